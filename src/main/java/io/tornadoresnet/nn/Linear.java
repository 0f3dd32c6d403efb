package io.tornadoresnet.nn;

import io.tornadoresnet.plan.LayerInfo;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.plan.PlanBuilder;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;

import java.util.List;
import java.util.Map;

/** Fully connected layer with bias; weight [out][in] as PyTorch's nn.Linear. */
public final class Linear implements Layer {
    private final String name;
    private final int in;
    private final int out;
    private final Parameter weight;
    private final Parameter bias;

    public Linear(String name, int in, int out) {
        this.name = name;
        this.in = in;
        this.out = out;
        this.weight = new Parameter(name + ".weight", Shape.of(out, in));
        this.bias = new Parameter(name + ".bias", Shape.of(out));
    }

    public int in() {
        return in;
    }

    @Override
    public Node forward(PlanBuilder b, Tensor x) {
        int n = x.shape().dim(0);
        if (x.shape().elements() != (long) n * in) {
            throw new IllegalArgumentException(name + " expects " + in + " features, got " + x.shape());
        }
        Tensor y = b.tensor(name + ".out", Shape.of(n, out));
        b.add(new Op.Linear(x, weight.value(), bias.value(), y, n, in, out));
        b.describe(new LayerInfo(name, "Linear", Shape.of(out), (long) in * out + out, (long) in * out));
        return new Node(y, (bb, gradOut) -> {
            Tensor gradIn = bb.needsGradient(x) ? bb.tensor(name + ".gradIn", x.shape()) : null;
            bb.add(new Op.LinearBackward(x, gradOut, weight.value(), weight.grad(), bias.grad(), gradIn, n, in, out));
            return gradIn;
        });
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(weight, bias);
    }

    @Override
    public void stateDict(Map<String, Tensor> into) {
        into.put(weight.name(), weight.value());
        into.put(bias.name(), bias.value());
    }
}
