package io.tornadoresnet.backend.jvm;

/**
 * The workspaces a convolution pass fills afresh before it reads them, which convolutions of different
 * shapes can therefore share when they run one at a time, as the ops of a plan do: a copy of the kernel
 * (rotated, transposed or packed), each worker's share of the weight gradient, and each worker's
 * {@link Gemm} with its packing buffer. Routines reserve what they need when they are built;
 * {@link #allocate} then sizes each buffer once, for the largest of them. ResNet-50's 23 shapes of
 * convolution held 95 MiB of weight-gradient shares, 22 MiB of kernel copies and 22 MiB of packing
 * buffers at 2 workers, one each; shared, 18, 9 and 1 MiB.
 *
 * <p>A shared {@link Gemm} gives the bits of one sized for the routine alone: a product's depth is cut
 * into blocks of at most 256, as many as a depth above that needs, and into one block below it,
 * whichever of the two sizes it was built for; its columns are independent.
 */
final class ConvScratch {
    private final int workers;
    private int weightCopyFloats;
    private int weightGradientFloats;
    private int productDepth = 1;
    private int productWidth = 1;
    private float[] weightCopy;
    private float[][] weightGradients;
    private Gemm[] gemms;

    ConvScratch(int workers) {
        if (workers <= 0) {
            throw new IllegalArgumentException("workers must be positive, got " + workers);
        }
        this.workers = workers;
    }

    /**
     * Reserves a kernel copy of {@code copyFloats} floats and, per worker, {@code shareFloats} floats and a
     * {@link Gemm} for products of depth and width at most {@code productDepth} and {@code productWidth}.
     */
    void reserve(int copyFloats, int shareFloats, int productDepth, int productWidth) {
        if (weightCopy != null) {
            throw new IllegalStateException("scratch already allocated");
        }
        weightCopyFloats = Math.max(weightCopyFloats, copyFloats);
        weightGradientFloats = Math.max(weightGradientFloats, shareFloats);
        this.productDepth = Math.max(this.productDepth, productDepth);
        this.productWidth = Math.max(this.productWidth, productWidth);
    }

    /** Allocates the buffers for the largest reservations; once. */
    void allocate() {
        if (weightCopy != null) {
            throw new IllegalStateException("scratch already allocated");
        }
        weightCopy = new float[weightCopyFloats];
        weightGradients = new float[workers][weightGradientFloats];
        gemms = new Gemm[workers];
        for (int t = 0; t < workers; t++) {
            gemms[t] = Gemm.create(productDepth, productWidth);
        }
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

    /** Each worker's matrix products. */
    Gemm[] gemms() {
        checkAllocated();
        return gemms;
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
