package io.tornadoresnet.plan;

import io.tornadoresnet.kernels.ActivationKernels;
import io.tornadoresnet.kernels.BatchNormKernels;
import io.tornadoresnet.kernels.ConvKernels;
import io.tornadoresnet.kernels.ElementwiseKernels;
import io.tornadoresnet.kernels.LinearKernels;
import io.tornadoresnet.kernels.LossKernels;
import io.tornadoresnet.kernels.PoolKernels;
import io.tornadoresnet.kernels.ReduceKernels;
import io.tornadoresnet.kernels.ShortcutKernels;
import io.tornadoresnet.kernels.SgdKernels;
import io.tornadoresnet.tensor.Tensor;

import java.util.Arrays;

/**
 * One call of a kernel with its arguments in the kernel's parameter order: {@link Tensor}
 * (passed as its float[]), int[], Integer or Float; a {@link Kernel#REPLICA_MEAN} call's second
 * argument is its {@link Replicas}.
 */
public record KernelCall(Kernel kernel, String name, Object... args) {

    public float[] floats(int i) {
        return ((Tensor) args[i]).data();
    }

    public Tensor tensor(int i) {
        return (Tensor) args[i];
    }

    public int[] ints(int i) {
        return (int[]) args[i];
    }

    public int integer(int i) {
        return (Integer) args[i];
    }

    public float real(int i) {
        return (Float) args[i];
    }

    /**
     * The kernel as plain Java, bound to this call's arguments; running it runs the kernel on the
     * calling thread and allocates nothing. The switch has a case for every kernel, so a kernel
     * added without one does not compile.
     */
    public Runnable bind() {
        return switch (kernel) {
            case CONV_FORWARD -> () -> ConvKernels.forward(floats(0), floats(1), floats(2), integer(3), integer(4),
                    integer(5), integer(6), integer(7), integer(8), integer(9), integer(10), integer(11), integer(12),
                    integer(13));
            case CONV_BACKWARD_DATA -> () -> ConvKernels.backwardData(floats(0), floats(1), floats(2), integer(3),
                    integer(4), integer(5), integer(6), integer(7), integer(8), integer(9), integer(10), integer(11),
                    integer(12), integer(13));
            case CONV_BACKWARD_WEIGHTS_PARTIAL -> () -> ConvKernels.backwardWeightsPartial(floats(0), floats(1),
                    floats(2), integer(3), integer(4), integer(5), integer(6), integer(7), integer(8), integer(9),
                    integer(10), integer(11), integer(12), integer(13), integer(14));
            case SUM_GROUPS -> () -> ReduceKernels.sumGroups(floats(0), floats(1), integer(2), integer(3));
            case BN_CHANNEL_SUMS -> () -> BatchNormKernels.channelSums(floats(0), floats(1), integer(2), integer(3),
                    integer(4));
            case BN_FINISH_MEAN -> () -> BatchNormKernels.finishMean(floats(0), floats(1), integer(2), integer(3),
                    integer(4));
            case BN_CHANNEL_SQUARED_DEVIATIONS -> () -> BatchNormKernels.channelSquaredDeviations(floats(0), floats(1),
                    floats(2), integer(3), integer(4), integer(5));
            case BN_FINISH_VARIANCE -> () -> BatchNormKernels.finishVariance(floats(0), floats(1), floats(2), floats(3),
                    floats(4), integer(5), integer(6), integer(7), real(8), real(9));
            case BN_NORMALIZE -> () -> BatchNormKernels.normalizeBatch(floats(0), floats(1), floats(2), floats(3),
                    floats(4), floats(5), integer(6), integer(7), integer(8));
            case BN_FORWARD_INFERENCE -> () -> BatchNormKernels.forwardInference(floats(0), floats(1), floats(2),
                    floats(3), floats(4), floats(5), integer(6), integer(7), integer(8), real(9));
            case BN_BACKWARD_PARTIALS -> () -> BatchNormKernels.backwardPartials(floats(0), floats(1), floats(2),
                    floats(3), floats(4), floats(5), integer(6), integer(7), integer(8));
            case BN_BACKWARD_INPUT -> () -> BatchNormKernels.backwardInput(floats(0), floats(1), floats(2), floats(3),
                    floats(4), floats(5), floats(6), floats(7), integer(8), integer(9), integer(10));
            case BN_CHANNEL_SUMS_AND_SQUARES -> () -> BatchNormKernels.channelSumsAndSquares(floats(0), floats(1),
                    integer(2), integer(3), integer(4));
            case BN_FINISH_FROM_SUMS -> () -> BatchNormKernels.finishFromSums(floats(0), floats(1), floats(2),
                    floats(3), floats(4), integer(5), integer(6), integer(7), real(8), real(9));
            case BN_PACK_GRADIENT_SUMS -> () -> BatchNormKernels.packGradientSums(floats(0), floats(1), floats(2),
                    integer(3));
            case BN_BACKWARD_INPUT_FROM_SUMS -> () -> BatchNormKernels.backwardInputFromSums(floats(0), floats(1),
                    floats(2), floats(3), floats(4), floats(5), floats(6), integer(7), integer(8), integer(9));
            case RELU_FORWARD -> () -> ActivationKernels.reluForward(floats(0), floats(1), integer(2));
            case RELU_BACKWARD -> () -> ActivationKernels.reluBackward(floats(0), floats(1), floats(2), integer(3));
            case ADD -> () -> ElementwiseKernels.add(floats(0), floats(1), floats(2), integer(3));
            case SHORTCUT_FORWARD -> () -> ShortcutKernels.forward(floats(0), floats(1), integer(2), integer(3),
                    integer(4), integer(5), integer(6), integer(7), integer(8), integer(9), integer(10));
            case SHORTCUT_BACKWARD -> () -> ShortcutKernels.backward(floats(0), floats(1), integer(2), integer(3),
                    integer(4), integer(5), integer(6), integer(7), integer(8), integer(9), integer(10));
            case MAX_POOL_FORWARD -> () -> PoolKernels.maxForward(floats(0), floats(1), ints(2), integer(3), integer(4),
                    integer(5), integer(6), integer(7), integer(8), integer(9), integer(10), integer(11));
            case MAX_POOL_BACKWARD -> () -> PoolKernels.maxBackward(floats(0), ints(1), floats(2), integer(3),
                    integer(4), integer(5), integer(6), integer(7), integer(8), integer(9), integer(10), integer(11));
            case AVG_POOL_FORWARD -> () -> PoolKernels.avgForward(floats(0), floats(1), integer(2), integer(3),
                    integer(4));
            case AVG_POOL_BACKWARD -> () -> PoolKernels.avgBackward(floats(0), floats(1), integer(2), integer(3),
                    integer(4));
            case LINEAR_FORWARD -> () -> LinearKernels.forward(floats(0), floats(1), floats(2), floats(3), integer(4),
                    integer(5), integer(6));
            case LINEAR_BACKWARD_DATA -> () -> LinearKernels.backwardData(floats(0), floats(1), floats(2), integer(3),
                    integer(4), integer(5));
            case LINEAR_BACKWARD_WEIGHTS -> () -> LinearKernels.backwardWeights(floats(0), floats(1), floats(2),
                    integer(3), integer(4), integer(5));
            case LINEAR_BACKWARD_BIAS -> () -> LinearKernels.backwardBias(floats(0), floats(1), integer(2), integer(3));
            case SOFTMAX_CROSS_ENTROPY -> () -> LossKernels.softmaxCrossEntropy(floats(0), ints(1), floats(2),
                    floats(3), floats(4), integer(5), integer(6));
            case BATCH_METRICS -> () -> LossKernels.batchMetrics(floats(0), floats(1), floats(2), integer(3));
            case SOFTMAX -> () -> LossKernels.softmax(floats(0), floats(1), integer(2), integer(3));
            case SGD_MOMENTUM_STEP -> () -> SgdKernels.momentumStep(floats(0), floats(1), floats(2), floats(3), real(4),
                    real(5), integer(6), integer(7));
            case REPLICA_MEAN -> () -> ((Replicas) args[1]).averageInPlace(floats(0));
        };
    }

    @Override
    public String toString() {
        return name + ":" + kernel + Arrays.toString(args);
    }
}
