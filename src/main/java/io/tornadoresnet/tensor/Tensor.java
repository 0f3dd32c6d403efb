package io.tornadoresnet.tensor;

/**
 * A named float buffer with a shape. The buffer is set once and never replaced, so that a backend
 * may keep its own copy of it (a device buffer) for the tensor's whole life. An
 * {@link #unallocated} tensor has a shape and no buffer yet: plans are sized with those before the
 * memory is reserved, and a plan gives them their buffers ({@link #back}) once it knows which of
 * its tensors may share one.
 *
 * <p>The buffer may be longer than the tensor, when tensors that are never needed at the same time
 * share it: the tensor's values are its first {@link #size()} floats.
 */
public final class Tensor {
    private final String name;
    private final Shape shape;
    private float[] data;

    public Tensor(String name, Shape shape) {
        this.name = name;
        this.shape = shape;
        this.data = new float[shape.size()];
    }

    private Tensor(String name, Shape shape, float[] data) {
        this.name = name;
        this.shape = shape;
        this.data = data;
    }

    /** A tensor with a shape and no buffer, until {@link #back} gives it one; its {@link #data()} fails until then. */
    public static Tensor unallocated(String name, Shape shape) {
        return new Tensor(name, shape, null);
    }

    /**
     * Gives an unallocated tensor its buffer: at least {@link #size()} floats, which other tensors
     * may share.
     */
    public void back(float[] buffer) {
        if (data != null) {
            throw new IllegalStateException(name + " has a buffer already");
        }
        if (buffer.length < shape.size()) {
            throw new IllegalArgumentException(name + " needs " + shape.size() + " floats, the buffer has "
                    + buffer.length);
        }
        data = buffer;
    }

    public String name() {
        return name;
    }

    public Shape shape() {
        return shape;
    }

    /** The buffer: the tensor's values are its first {@link #size()} floats. */
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

    /** A 64-bit hash of the tensors' bits (FNV-1a over each float's raw bits), to tell replicas apart. */
    public static long bitsHash(Iterable<Tensor> tensors) {
        long h = 0xcbf29ce484222325L;
        for (Tensor t : tensors) {
            for (float v : t.data()) {
                h = (h ^ Float.floatToRawIntBits(v)) * 0x100000001b3L;
            }
        }
        return h;
    }
}
