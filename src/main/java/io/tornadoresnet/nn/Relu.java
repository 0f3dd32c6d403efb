package io.tornadoresnet.nn;

import io.tornadoresnet.plan.Op;
import io.tornadoresnet.plan.PlanBuilder;
import io.tornadoresnet.tensor.Tensor;

import java.util.List;
import java.util.Map;

/** ReLU; its backward reads the output (y > 0), so the input need not be kept. */
public final class Relu implements Layer {
    private final String name;

    public Relu(String name) {
        this.name = name;
    }

    @Override
    public Node forward(PlanBuilder b, Tensor x) {
        Tensor y = b.tensor(name + ".out", x.shape());
        b.add(new Op.Relu(x, y));
        return new Node(y, (bb, gradOut) -> {
            Tensor gradIn = bb.tensor(name + ".gradIn", x.shape());
            bb.add(new Op.ReluBackward(y, gradOut, gradIn));
            return gradIn;
        });
    }

    @Override
    public List<Parameter> parameters() {
        return List.of();
    }

    @Override
    public void stateDict(Map<String, Tensor> into) {
    }
}
