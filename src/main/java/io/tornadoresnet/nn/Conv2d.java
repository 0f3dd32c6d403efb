package io.tornadoresnet.nn;

import io.tornadoresnet.plan.ConvGeometry;
import io.tornadoresnet.plan.LayerInfo;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.plan.PlanBuilder;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;

import java.util.List;
import java.util.Map;

/** A square convolution without bias (every conv of a ResNet is followed by batch norm). */
public final class Conv2d implements Layer {
    private final String name;
    private final int in;
    private final int out;
    private final int kernel;
    private final int stride;
    private final int pad;
    private final Parameter weight;

    public Conv2d(String name, int in, int out, int kernel, int stride, int pad) {
        this.name = name;
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.pad = pad;
        this.weight = new Parameter(name + ".weight", Shape.of(out, in, kernel, kernel));
    }

    public int outChannels() {
        return out;
    }

    @Override
    public Node forward(PlanBuilder b, Tensor x) {
        Shape s = x.shape();
        if (s.dim(1) != in) {
            throw new IllegalArgumentException(name + " expects " + in + " input channels, got " + s);
        }
        ConvGeometry g = new ConvGeometry(s.dim(0), in, s.dim(2), s.dim(3), out, kernel, kernel, stride, pad);
        Tensor y = b.tensor(name + ".out", Shape.of(g.n(), out, g.oh(), g.ow()));
        b.add(new Op.ConvForward(x, weight.value(), y, g));
        b.describe(new LayerInfo(name, "Conv2d " + kernel + "x" + kernel + "/" + stride, Shape.of(out, g.oh(), g.ow()),
                g.weightSize(), g.macs() / g.n()));
        return new Node(y, (bb, gradOut) -> {
            bb.add(new Op.ConvBackwardWeights(x, gradOut, weight.grad(), g));
            if (!bb.needsGradient(x)) {
                return null;
            }
            Tensor gradIn = bb.tensor(name + ".gradIn", s);
            bb.add(new Op.ConvBackwardData(gradOut, weight.value(), gradIn, g));
            return gradIn;
        });
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(weight);
    }

    @Override
    public void stateDict(Map<String, Tensor> into) {
        into.put(weight.name(), weight.value());
    }
}
