package io.tornadoresnet.plan;

/**
 * Every kernel a plan calls, one constant per static kernel method of the kernels package.
 * A backend maps each constant to the method itself (see {@link KernelCall#bind()} for the JVM), but
 * for {@link #REPLICA_MEAN}, which calls the host.
 */
public enum Kernel {
    CONV_FORWARD,
    CONV_BACKWARD_DATA,
    CONV_BACKWARD_WEIGHTS_PARTIAL,
    SUM_GROUPS,
    BN_CHANNEL_SUMS,
    BN_FINISH_MEAN,
    BN_CHANNEL_SQUARED_DEVIATIONS,
    BN_FINISH_VARIANCE,
    BN_NORMALIZE,
    BN_FORWARD_INFERENCE,
    BN_BACKWARD_PARTIALS,
    BN_BACKWARD_INPUT,
    BN_CHANNEL_SUMS_AND_SQUARES,
    BN_FINISH_FROM_SUMS,
    BN_PACK_GRADIENT_SUMS,
    BN_BACKWARD_INPUT_FROM_SUMS,
    RELU_FORWARD,
    RELU_BACKWARD,
    ADD,
    SHORTCUT_FORWARD,
    SHORTCUT_BACKWARD,
    MAX_POOL_FORWARD,
    MAX_POOL_BACKWARD,
    AVG_POOL_FORWARD,
    AVG_POOL_BACKWARD,
    LINEAR_FORWARD,
    LINEAR_BACKWARD_DATA,
    LINEAR_BACKWARD_WEIGHTS,
    LINEAR_BACKWARD_BIAS,
    SOFTMAX_CROSS_ENTROPY,
    BATCH_METRICS,
    SOFTMAX,
    SGD_MOMENTUM_STEP,
    /**
     * Not a kernel but the host's mean over data-parallel replicas ({@link Replicas#averageInPlace}) of
     * argument 0, which it reads and overwrites: a plan's seam between two kernels of one stage.
     */
    REPLICA_MEAN;

    /** Whether the host runs this call between the kernels ({@link #REPLICA_MEAN}) rather than a device. */
    public boolean onHost() {
        return this == REPLICA_MEAN;
    }
}
