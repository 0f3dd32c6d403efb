package io.tornadoresnet.tensor;

/**
 * A named float buffer with a shape. The buffer is allocated once and never replaced, so that a
 * backend may keep its own copy of it (a device buffer) for the tensor's whole life.
 */
public final class Tensor {
    private final String name;
    private final Shape shape;
    private final float[] data;

    public Tensor(String name, Shape shape) {
        this.name = name;
        this.shape = shape;
        this.data = new float[shape.size()];
    }

    public String name() {
        return name;
    }

    public Shape shape() {
        return shape;
    }

    public float[] data() {
        return data;
    }

    public int size() {
        return data.length;
    }

    @Override
    public String toString() {
        return name + "[" + shape + "]";
    }
}
