package io.tornadoresnet.nn;

import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;

import java.util.Arrays;

/**
 * A trained tensor with its gradient and its SGD momentum buffer, under PyTorch's state-dict name
 * (e.g. {@code layer1.0.conv1.weight}). The gradient and the momentum are allocated when first
 * asked for (by a training plan, a checkpoint), so that a model that only infers holds neither.
 */
public final class Parameter {
    private final Tensor value;
    private Tensor grad;
    private Tensor velocity;

    Parameter(String name, Shape shape) {
        this.value = new Tensor(name, shape);
    }

    public String name() {
        return value.name();
    }

    public Tensor value() {
        return value;
    }

    public Tensor grad() {
        if (grad == null) {
            grad = new Tensor(name() + ".grad", value.shape());
        }
        return grad;
    }

    /** The momentum buffer, zero until an SGD step writes it. */
    public Tensor velocity() {
        if (velocity == null) {
            velocity = new Tensor(name() + ".momentum", value.shape());
        }
        return velocity;
    }

    /** Zeroes the momentum; one never allocated is zero already and stays unallocated. */
    void resetMomentum() {
        if (velocity != null) {
            Arrays.fill(velocity.data(), 0f);
        }
    }
}
