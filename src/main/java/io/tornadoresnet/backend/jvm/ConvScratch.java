package io.tornadoresnet.backend.jvm;

/**
 * The workspaces a convolution pass fills afresh before it reads them, which convolutions of different
 * shapes can therefore share when they run one at a time, as the ops of a plan do: a copy of the kernel
 * (rotated, transposed or packed) and each worker's share of the weight gradient. Routines reserve what
 * they need when they are built; {@link #allocate} then sizes each buffer once, for the largest of them.
 * ResNet-50's 23 shapes of convolution held 95 MiB of weight-gradient shares and 22 MiB of kernel copies
 * at 2 workers, one each; shared, 18 and 9 MiB.
 */
final class ConvScratch {
    private final int workers;
    private int weightCopyFloats;
    private int weightGradientFloats;
    private float[] weightCopy;
    private float[][] weightGradients;

    ConvScratch(int workers) {
        if (workers <= 0) {
            throw new IllegalArgumentException("workers must be positive, got " + workers);
        }
        this.workers = workers;
    }

    /** Reserves a kernel copy of {@code copyFloats} floats and, per worker, {@code shareFloats} floats. */
    void reserve(int copyFloats, int shareFloats) {
        if (weightCopy != null) {
            throw new IllegalStateException("scratch already allocated");
        }
        weightCopyFloats = Math.max(weightCopyFloats, copyFloats);
        weightGradientFloats = Math.max(weightGradientFloats, shareFloats);
    }

    /** Allocates the buffers for the largest reservations; once. */
    void allocate() {
        if (weightCopy != null) {
            throw new IllegalStateException("scratch already allocated");
        }
        weightCopy = new float[weightCopyFloats];
        weightGradients = new float[workers][weightGradientFloats];
    }

    /** The kernel copy, shared by all workers. */
    float[] weightCopy() {
        checkAllocated();
        return weightCopy;
    }

    /** Each worker's weight-gradient share. */
    float[][] weightGradients() {
        checkAllocated();
        return weightGradients;
    }

    int workers() {
        return workers;
    }

    private void checkAllocated() {
        if (weightCopy == null) {
            throw new IllegalStateException("scratch not allocated: call allocate() once every routine is built");
        }
    }
}
