package io.tornadoresnet.plan;

/**
 * Every kernel a plan calls, one constant per static kernel method of the kernels package.
 * A backend maps each constant to the method itself (see {@link KernelCall#bind()} for the JVM).
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
    SGD_MOMENTUM_STEP
}
