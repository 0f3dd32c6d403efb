package io.tornadoresnet.plan;

/**
 * Every kernel a plan calls, one constant per static kernel method of the kernels package.
 * A backend maps each constant to the method itself (see {@link KernelCall#bind()} for the JVM).
 */
public enum Kernel {
    CONV_FORWARD(2),
    CONV_BACKWARD_DATA(2),
    CONV_BACKWARD_WEIGHTS_PARTIAL(2),
    SUM_GROUPS(1),
    BN_CHANNEL_SUMS(1),
    BN_FINISH_MEAN(1),
    BN_CHANNEL_SQUARED_DEVIATIONS(2),
    BN_FINISH_VARIANCE(2, 3, 4),
    BN_NORMALIZE(5),
    BN_FORWARD_INFERENCE(5),
    BN_BACKWARD_PARTIALS(4, 5),
    BN_BACKWARD_INPUT(7),
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
    SGD_MOMENTUM_STEP(0, 2);

    private final int[] written;

    Kernel(int... written) {
        this.written = written;
    }

    /**
     * Whether the kernel writes argument {@code i} (counted as {@link KernelCall#args()} counts
     * them). Every other array argument is only read. The batch-norm running statistics and the
     * optimizer's weights and momentum are read and written; every other written argument is
     * overwritten whole, without being read.
     */
    public boolean writes(int i) {
        for (int w : written) {
            if (w == i) {
                return true;
            }
        }
        return false;
    }
}
