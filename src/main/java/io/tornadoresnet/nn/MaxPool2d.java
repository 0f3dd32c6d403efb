package io.tornadoresnet.nn;

import io.tornadoresnet.plan.PlanBuilder;
import io.tornadoresnet.tensor.Tensor;

import java.util.List;
import java.util.Map;

/** Max pooling with -infinity padding, as PyTorch's nn.MaxPool2d. */
public final class MaxPool2d implements Layer {
    private final String name;
    private final int size;
    private final int stride;
    private final int pad;

    public MaxPool2d(String name, int size, int stride, int pad) {
        this.name = name;
        this.size = size;
        this.stride = stride;
        this.pad = pad;
    }

    @Override
    public Node forward(PlanBuilder b, Tensor x) {
        return Functional.maxPool(b, x, size, stride, pad, name);
    }

    @Override
    public List<Parameter> parameters() {
        return List.of();
    }

    @Override
    public void stateDict(Map<String, Tensor> into) {
    }
}
