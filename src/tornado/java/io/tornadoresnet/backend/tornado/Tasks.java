package io.tornadoresnet.backend.tornado;

import io.tornadoresnet.kernels.ActivationKernels;
import io.tornadoresnet.kernels.BatchNormKernels;
import io.tornadoresnet.kernels.ConvKernels;
import io.tornadoresnet.kernels.ElementwiseKernels;
import io.tornadoresnet.kernels.LinearKernels;
import io.tornadoresnet.kernels.LossKernels;
import io.tornadoresnet.kernels.PoolKernels;
import io.tornadoresnet.kernels.ReduceKernels;
import io.tornadoresnet.kernels.SgdKernels;
import io.tornadoresnet.kernels.ShortcutKernels;
import io.tornadoresnet.plan.KernelCall;
import uk.ac.manchester.tornado.api.TaskGraph;

/**
 * Adds one kernel call to a task graph as a task whose code is the project's kernel method
 * itself, with the call's arguments in the kernel's parameter order (the same mapping as
 * {@link KernelCall#bind()}). Scalars become constants of the compiled kernel: TornadoVM freezes
 * them when the task is added, which is why the learning rate travels in a one-element array.
 */
final class Tasks {

    private Tasks() {
    }

    /** Adds the call's task to {@code g}; the switch has a case for every kernel, as {@link KernelCall#bind()}'s. */
    static TaskGraph add(TaskGraph g, String id, KernelCall c) {
        return switch (c.kernel()) {
            case CONV_FORWARD -> g.task(id, ConvKernels::forward, c.floats(0), c.floats(1), c.floats(2), c.integer(3),
                    c.integer(4), c.integer(5), c.integer(6), c.integer(7), c.integer(8), c.integer(9), c.integer(10),
                    c.integer(11), c.integer(12), c.integer(13));
            case CONV_BACKWARD_DATA -> g.task(id, ConvKernels::backwardData, c.floats(0), c.floats(1), c.floats(2),
                    c.integer(3), c.integer(4), c.integer(5), c.integer(6), c.integer(7), c.integer(8), c.integer(9),
                    c.integer(10), c.integer(11), c.integer(12), c.integer(13));
            case CONV_BACKWARD_WEIGHTS_PARTIAL -> g.task(id, ConvKernels::backwardWeightsPartial, c.floats(0),
                    c.floats(1), c.floats(2), c.integer(3), c.integer(4), c.integer(5), c.integer(6), c.integer(7),
                    c.integer(8), c.integer(9), c.integer(10), c.integer(11), c.integer(12), c.integer(13), c.integer(14));
            case SUM_GROUPS -> g.task(id, ReduceKernels::sumGroups, c.floats(0), c.floats(1), c.integer(2), c.integer(3));
            case BN_CHANNEL_SUMS -> g.task(id, BatchNormKernels::channelSums, c.floats(0), c.floats(1), c.integer(2),
                    c.integer(3), c.integer(4));
            case BN_FINISH_MEAN -> g.task(id, BatchNormKernels::finishMean, c.floats(0), c.floats(1), c.integer(2),
                    c.integer(3), c.integer(4));
            case BN_CHANNEL_SQUARED_DEVIATIONS -> g.task(id, BatchNormKernels::channelSquaredDeviations, c.floats(0),
                    c.floats(1), c.floats(2), c.integer(3), c.integer(4), c.integer(5));
            case BN_FINISH_VARIANCE -> g.task(id, BatchNormKernels::finishVariance, c.floats(0), c.floats(1),
                    c.floats(2), c.floats(3), c.floats(4), c.integer(5), c.integer(6), c.integer(7), c.real(8), c.real(9));
            case BN_NORMALIZE -> g.task(id, BatchNormKernels::normalizeBatch, c.floats(0), c.floats(1), c.floats(2),
                    c.floats(3), c.floats(4), c.floats(5), c.integer(6), c.integer(7), c.integer(8));
            case BN_FORWARD_INFERENCE -> g.task(id, BatchNormKernels::forwardInference, c.floats(0), c.floats(1),
                    c.floats(2), c.floats(3), c.floats(4), c.floats(5), c.integer(6), c.integer(7), c.integer(8), c.real(9));
            case BN_BACKWARD_PARTIALS -> g.task(id, BatchNormKernels::backwardPartials, c.floats(0), c.floats(1),
                    c.floats(2), c.floats(3), c.floats(4), c.floats(5), c.integer(6), c.integer(7), c.integer(8));
            case BN_BACKWARD_INPUT -> g.task(id, BatchNormKernels::backwardInput, c.floats(0), c.floats(1), c.floats(2),
                    c.floats(3), c.floats(4), c.floats(5), c.floats(6), c.floats(7), c.integer(8), c.integer(9),
                    c.integer(10));
            case BN_CHANNEL_SUMS_AND_SQUARES -> g.task(id, BatchNormKernels::channelSumsAndSquares, c.floats(0),
                    c.floats(1), c.integer(2), c.integer(3), c.integer(4));
            case BN_FINISH_FROM_SUMS -> g.task(id, BatchNormKernels::finishFromSums, c.floats(0), c.floats(1),
                    c.floats(2), c.floats(3), c.floats(4), c.integer(5), c.integer(6), c.integer(7), c.real(8),
                    c.real(9));
            case BN_PACK_GRADIENT_SUMS -> g.task(id, BatchNormKernels::packGradientSums, c.floats(0), c.floats(1),
                    c.floats(2), c.integer(3));
            case BN_BACKWARD_INPUT_FROM_SUMS -> g.task(id, BatchNormKernels::backwardInputFromSums, c.floats(0),
                    c.floats(1), c.floats(2), c.floats(3), c.floats(4), c.floats(5), c.floats(6), c.integer(7),
                    c.integer(8), c.integer(9));
            case REPLICA_MEAN -> throw new IllegalArgumentException(
                    "the tornado backend cannot run " + c + ": it averages over replicas on the host, mid-stage");
            case RELU_FORWARD -> g.task(id, ActivationKernels::reluForward, c.floats(0), c.floats(1), c.integer(2));
            case RELU_BACKWARD -> g.task(id, ActivationKernels::reluBackward, c.floats(0), c.floats(1), c.floats(2),
                    c.integer(3));
            case ADD -> g.task(id, ElementwiseKernels::add, c.floats(0), c.floats(1), c.floats(2), c.integer(3));
            case SHORTCUT_FORWARD -> g.task(id, ShortcutKernels::forward, c.floats(0), c.floats(1), c.integer(2),
                    c.integer(3), c.integer(4), c.integer(5), c.integer(6), c.integer(7), c.integer(8), c.integer(9),
                    c.integer(10));
            case SHORTCUT_BACKWARD -> g.task(id, ShortcutKernels::backward, c.floats(0), c.floats(1), c.integer(2),
                    c.integer(3), c.integer(4), c.integer(5), c.integer(6), c.integer(7), c.integer(8), c.integer(9),
                    c.integer(10));
            case MAX_POOL_FORWARD -> g.task(id, PoolKernels::maxForward, c.floats(0), c.floats(1), c.ints(2),
                    c.integer(3), c.integer(4), c.integer(5), c.integer(6), c.integer(7), c.integer(8), c.integer(9),
                    c.integer(10), c.integer(11));
            case MAX_POOL_BACKWARD -> g.task(id, PoolKernels::maxBackward, c.floats(0), c.ints(1), c.floats(2),
                    c.integer(3), c.integer(4), c.integer(5), c.integer(6), c.integer(7), c.integer(8), c.integer(9),
                    c.integer(10), c.integer(11));
            case AVG_POOL_FORWARD -> g.task(id, PoolKernels::avgForward, c.floats(0), c.floats(1), c.integer(2),
                    c.integer(3), c.integer(4));
            case AVG_POOL_BACKWARD -> g.task(id, PoolKernels::avgBackward, c.floats(0), c.floats(1), c.integer(2),
                    c.integer(3), c.integer(4));
            case LINEAR_FORWARD -> g.task(id, LinearKernels::forward, c.floats(0), c.floats(1), c.floats(2), c.floats(3),
                    c.integer(4), c.integer(5), c.integer(6));
            case LINEAR_BACKWARD_DATA -> g.task(id, LinearKernels::backwardData, c.floats(0), c.floats(1), c.floats(2),
                    c.integer(3), c.integer(4), c.integer(5));
            case LINEAR_BACKWARD_WEIGHTS -> g.task(id, LinearKernels::backwardWeights, c.floats(0), c.floats(1),
                    c.floats(2), c.integer(3), c.integer(4), c.integer(5));
            case LINEAR_BACKWARD_BIAS -> g.task(id, LinearKernels::backwardBias, c.floats(0), c.floats(1), c.integer(2),
                    c.integer(3));
            case SOFTMAX_CROSS_ENTROPY -> g.task(id, LossKernels::softmaxCrossEntropy, c.floats(0), c.ints(1),
                    c.floats(2), c.floats(3), c.floats(4), c.integer(5), c.integer(6));
            case BATCH_METRICS -> g.task(id, LossKernels::batchMetrics, c.floats(0), c.floats(1), c.floats(2),
                    c.integer(3));
            case SOFTMAX -> g.task(id, LossKernels::softmax, c.floats(0), c.floats(1), c.integer(2), c.integer(3));
            case SGD_MOMENTUM_STEP -> g.task(id, SgdKernels::momentumStep, c.floats(0), c.floats(1), c.floats(2),
                    c.floats(3), c.real(4), c.real(5), c.integer(6), c.integer(7));
        };
    }
}
