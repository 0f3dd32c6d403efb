package io.tornadoresnet.nn;

import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;

/**
 * A trained tensor with its gradient and its SGD momentum buffer, under PyTorch's state-dict name
 * (e.g. {@code layer1.0.conv1.weight}).
 */
public final class Parameter {
    private final Tensor value;
    private final Tensor grad;
    private final Tensor velocity;

    Parameter(String name, Shape shape) {
        this.value = new Tensor(name, shape);
        this.grad = new Tensor(name + ".grad", shape);
        this.velocity = new Tensor(name + ".momentum", shape);
    }

    public String name() {
        return value.name();
    }

    public Tensor value() {
        return value;
    }

    public Tensor grad() {
        return grad;
    }

    public Tensor velocity() {
        return velocity;
    }
}
