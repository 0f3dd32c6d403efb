package io.tornadoresnet.plan;

/**
 * Every kernel a plan calls, one constant per static kernel method of the kernels package.
 * A backend maps each constant to the method itself (see {@link KernelCall#bind()} for the JVM), but
 * for {@link #REPLICA_MEAN}, which calls the host.
 */
public enum Kernel {
    CONV_FORWARD(2),
    CONV_BACKWARD_DATA(2),
    CONV_BACKWARD_WEIGHTS_PARTIAL(2),
    SUM_GROUPS(1),
    BN_CHANNEL_SUMS(1),
    BN_FINISH_MEAN(1),
    BN_CHANNEL_SQUARED_DEVIATIONS(2),
    BN_FINISH_VARIANCE(new int[] {2}, new int[] {3, 4}),
    BN_NORMALIZE(5),
    BN_FORWARD_INFERENCE(5),
    BN_BACKWARD_PARTIALS(4, 5),
    BN_BACKWARD_INPUT(7),
    BN_CHANNEL_SUMS_AND_SQUARES(1),
    BN_FINISH_FROM_SUMS(new int[] {1, 2}, new int[] {3, 4}),
    BN_PACK_GRADIENT_SUMS(2),
    BN_BACKWARD_INPUT_FROM_SUMS(6),
    RELU_FORWARD(1),
    RELU_BACKWARD(2),
    ADD(2),
    SHORTCUT_FORWARD(1),
    SHORTCUT_BACKWARD(1),
    MAX_POOL_FORWARD(1, 2),
    MAX_POOL_BACKWARD(2),
    AVG_POOL_FORWARD(1),
    AVG_POOL_BACKWARD(1),
    LINEAR_FORWARD(3),
    LINEAR_BACKWARD_DATA(2),
    LINEAR_BACKWARD_WEIGHTS(2),
    LINEAR_BACKWARD_BIAS(1),
    SOFTMAX_CROSS_ENTROPY(2, 3, 4),
    BATCH_METRICS(2),
    SOFTMAX(1),
    SGD_MOMENTUM_STEP(new int[] {}, new int[] {0, 2}),
    /**
     * Not a kernel but the host's mean over data-parallel replicas ({@link Replicas#averageInPlace}) of
     * argument 0, which it reads and overwrites: a plan's seam between two kernels of one stage.
     */
    REPLICA_MEAN(new int[] {}, new int[] {0});

    /** Arguments overwritten whole, without being read. */
    private final int[] overwritten;
    /** Arguments read and then written: the batch-norm running statistics, the optimizer's weights and momentum. */
    private final int[] updated;

    Kernel(int... overwritten) {
        this(overwritten, new int[0]);
    }

    Kernel(int[] overwritten, int[] updated) {
        this.overwritten = overwritten;
        this.updated = updated;
    }

    /** Whether the kernel writes argument {@code i} (counted as {@link KernelCall#args()} counts them). */
    public boolean writes(int i) {
        return contains(overwritten, i) || contains(updated, i);
    }

    /**
     * Whether the kernel reads argument {@code i}: every array argument but the ones it overwrites
     * whole (its outputs, and the workspaces of partial sums it fills).
     */
    public boolean reads(int i) {
        return !contains(overwritten, i);
    }

    private static boolean contains(int[] positions, int i) {
        for (int p : positions) {
            if (p == i) {
                return true;
            }
        }
        return false;
    }

    /** Whether the host runs this call between the kernels ({@link #REPLICA_MEAN}) rather than a device. */
    public boolean onHost() {
        return this == REPLICA_MEAN;
    }
}
