package io.tornadoresnet.tensor;

import java.util.Arrays;

/** An immutable tensor shape, outermost dimension first (NCHW for images). */
public final class Shape {
    private final int[] dims;

    private Shape(int[] dims) {
        for (int d : dims) {
            if (d <= 0) {
                throw new IllegalArgumentException("dimensions must be positive: " + Arrays.toString(dims));
            }
        }
        this.dims = dims;
    }

    public static Shape of(int... dims) {
        return new Shape(dims.clone());
    }

    /** Parses "3x32x32" (the command-line form). */
    public static Shape parse(String text) {
        String[] parts = text.trim().toLowerCase().split("x");
        int[] dims = new int[parts.length];
        try {
            for (int i = 0; i < parts.length; i++) {
                dims[i] = Integer.parseInt(parts[i].trim());
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a shape like 3x32x32: '" + text + "'");
        }
        return new Shape(dims);
    }

    public int rank() {
        return dims.length;
    }

    public int dim(int i) {
        return dims[i];
    }

    public int[] dims() {
        return dims.clone();
    }

    /** Number of elements, however large; Long.MAX_VALUE stands for more. */
    public long elements() {
        long n = 1;
        for (int d : dims) {
            n = n > Long.MAX_VALUE / d ? Long.MAX_VALUE : n * d;
        }
        return n;
    }

    /** Number of elements; fails loudly past the size a Java array can hold. */
    public int size() {
        long n = elements();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor of shape " + this + " has " + n + " elements, more than a Java array holds");
        }
        return (int) n;
    }

    /** This shape with a leading batch dimension. */
    public Shape withBatch(int batch) {
        int[] d = new int[dims.length + 1];
        d[0] = batch;
        System.arraycopy(dims, 0, d, 1, dims.length);
        return new Shape(d);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < dims.length; i++) {
            b.append(i == 0 ? "" : "x").append(dims[i]);
        }
        return b.toString();
    }
}
