package io.tornadoresnet.tensor;

/**
 * A named float buffer with a shape. The buffer is allocated once and never replaced, so that a
 * backend may keep its own copy of it (a device buffer) for the tensor's whole life. An
 * {@link #unallocated} tensor has a shape and no buffer: plans are sized with those before the
 * memory is reserved.
 */
public final class Tensor {
    private final String name;
    private final Shape shape;
    private final float[] data;

    public Tensor(String name, Shape shape) {
        this(name, shape, new float[shape.size()]);
    }

    private Tensor(String name, Shape shape, float[] data) {
        this.name = name;
        this.shape = shape;
        this.data = data;
    }

    /** A tensor with a shape and no buffer, for sizing a plan; its {@link #data()} fails. */
    public static Tensor unallocated(String name, Shape shape) {
        return new Tensor(name, shape, null);
    }

    public String name() {
        return name;
    }

    public Shape shape() {
        return shape;
    }

    public float[] data() {
        if (data == null) {
            throw new IllegalStateException(name + " has no buffer: it belongs to a plan that was sized, not built");
        }
        return data;
    }

    public int size() {
        return shape.size();
    }

    @Override
    public String toString() {
        return name + "[" + shape + "]";
    }
}
