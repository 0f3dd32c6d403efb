package io.tornadoresnet.nn;

import io.tornadoresnet.plan.LayerInfo;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.plan.PlanBuilder;
import io.tornadoresnet.plan.PoolGeometry;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;

/** The operations without parameters: residual add, option-A shortcut, pooling. */
final class Functional {
    private Functional() {
    }

    static Tensor add(PlanBuilder b, Tensor x, Tensor y, String name) {
        if (!x.shape().equals(y.shape())) {
            throw new IllegalArgumentException(name + ": cannot add " + x.shape() + " and " + y.shape());
        }
        Tensor out = b.tensor(name + ".out", x.shape());
        b.add(new Op.Add(x, y, out));
        return out;
    }

    /** The paper's option A (section 3.3): subsample by the stride, pad the new channels with zeros. */
    static Node shortcutA(PlanBuilder b, Tensor x, int outChannels, int stride, String name) {
        Shape s = x.shape();
        int oh = (s.dim(2) - 1) / stride + 1;
        int ow = (s.dim(3) - 1) / stride + 1;
        Tensor y = b.tensor(name + ".out", Shape.of(s.dim(0), outChannels, oh, ow));
        Op.ShortcutA forward = new Op.ShortcutA(x, y, s.dim(0), s.dim(1), s.dim(2), s.dim(3), outChannels, stride);
        b.add(forward);
        return new Node(y, (bb, gradOut) -> {
            Tensor gradIn = bb.tensor(name + ".gradIn", s);
            bb.add(new Op.ShortcutABackward(forward, gradOut, gradIn));
            return gradIn;
        });
    }

    static Node maxPool(PlanBuilder b, Tensor x, int size, int stride, int pad, String name) {
        Shape s = x.shape();
        PoolGeometry g = new PoolGeometry(s.dim(0), s.dim(1), s.dim(2), s.dim(3), size, stride, pad);
        Tensor y = b.tensor(name + ".out", Shape.of(g.n(), g.c(), g.oh(), g.ow()));
        int[] argmax = b.indices(y.shape());
        b.add(new Op.MaxPool(x, y, argmax, g));
        b.describe(new LayerInfo(name, "MaxPool2d " + size + "x" + size + "/" + stride, Shape.of(g.c(), g.oh(), g.ow()),
                0, 0));
        return new Node(y, (bb, gradOut) -> {
            Tensor gradIn = bb.tensor(name + ".gradIn", s);
            bb.add(new Op.MaxPoolBackward(gradOut, argmax, gradIn, g));
            return gradIn;
        });
    }

    /** Global average pooling to [n][c]. */
    static Node globalAvgPool(PlanBuilder b, Tensor x, String name) {
        Shape s = x.shape();
        int n = s.dim(0);
        int c = s.dim(1);
        int hw = s.dim(2) * s.dim(3);
        Tensor y = b.tensor(name + ".out", Shape.of(n, c));
        b.add(new Op.GlobalAvgPool(x, y, n, c, hw));
        b.describe(new LayerInfo(name, "AdaptiveAvgPool2d 1x1", Shape.of(c), 0, 0));
        return new Node(y, (bb, gradOut) -> {
            Tensor gradIn = bb.tensor(name + ".gradIn", s);
            bb.add(new Op.GlobalAvgPoolBackward(gradOut, gradIn, n, c, hw));
            return gradIn;
        });
    }
}
