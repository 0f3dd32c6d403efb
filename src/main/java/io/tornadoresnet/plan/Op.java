package io.tornadoresnet.plan;

import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;

import java.util.List;

/**
 * One operation of a plan: what to compute, over tensors allocated when the plan was built.
 * {@link Lowering} turns every op into the kernel calls that define it; a backend may run an op
 * with a faster routine of its own as long as it gives the kernels' results.
 * Every op overwrites its outputs.
 */
public sealed interface Op {

    /** Images per partial sum of a convolution's weight gradient: more groups, more GPU threads. */
    int MAX_WEIGHT_GRADIENT_GROUPS = 16;

    /** Allocates the workspaces (partial sums of the two-pass reductions) that lowered ops need. */
    interface Workspace {
        Tensor allocate(String name, Shape shape);
    }

    /**
     * The kernel calls that define this op, in order. Reductions become two passes (partial sums,
     * then a sum over the partials) so that a GPU can spread them; their workspaces come from ws,
     * once, when a backend compiles the plan.
     */
    List<KernelCall> lower(Workspace ws);

    private static KernelCall conv(Kernel kernel, Tensor named, Tensor a, Tensor b, Tensor c, ConvGeometry g) {
        return new KernelCall(kernel, named.name(), a, b, c, g.n(), g.c(), g.h(), g.w(), g.k(), g.kh(), g.kw(),
                g.stride(), g.pad(), g.oh(), g.ow());
    }

    /** Convolution without bias; weight [k][c][kh][kw] as PyTorch's. */
    record ConvForward(Tensor in, Tensor weight, Tensor out, ConvGeometry g) implements Op {
        @Override
        public List<KernelCall> lower(Workspace ws) {
            return List.of(conv(Kernel.CONV_FORWARD, out, in, weight, out, g));
        }
    }

    /** Gradient of a convolution with respect to its input. */
    record ConvBackwardData(Tensor gradOut, Tensor weight, Tensor gradIn, ConvGeometry g) implements Op {
        @Override
        public List<KernelCall> lower(Workspace ws) {
            return List.of(conv(Kernel.CONV_BACKWARD_DATA, gradIn, gradOut, weight, gradIn, g));
        }
    }

    /** Gradient of a convolution with respect to its weight, summed over the batch. */
    record ConvBackwardWeights(Tensor in, Tensor gradOut, Tensor gradWeight, ConvGeometry g) implements Op {
        @Override
        public List<KernelCall> lower(Workspace ws) {
            int groups = Math.min(g.n(), MAX_WEIGHT_GRADIENT_GROUPS);
            Tensor partial = ws.allocate(gradWeight.name() + ".partial", Shape.of(groups, g.weightSize()));
            return List.of(
                    new KernelCall(Kernel.CONV_BACKWARD_WEIGHTS_PARTIAL, gradWeight.name(), in, gradOut, partial,
                            g.n(), g.c(), g.h(), g.w(), g.k(), g.kh(), g.kw(), g.stride(), g.pad(), g.oh(), g.ow(), groups),
                    new KernelCall(Kernel.SUM_GROUPS, gradWeight.name(), partial, gradWeight, groups, g.weightSize()));
        }
    }

    /**
     * Training-mode batch norm: normalises with the batch statistics (kept in mean and invStd
     * for the backward pass) and updates the running statistics as PyTorch does.
     */
    record BatchNormTrain(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                          Tensor mean, Tensor invStd, Tensor y, int n, int c, int hw, float eps, float momentum)
            implements Op {
        @Override
        public List<KernelCall> lower(Workspace ws) {
            Tensor partial = ws.allocate(y.name() + ".partial", Shape.of(n, c));
            String name = y.name();
            return List.of(
                    new KernelCall(Kernel.BN_CHANNEL_SUMS, name, x, partial, n, c, hw),
                    new KernelCall(Kernel.BN_FINISH_MEAN, name, partial, mean, n, c, hw),
                    new KernelCall(Kernel.BN_CHANNEL_SQUARED_DEVIATIONS, name, x, mean, partial, n, c, hw),
                    new KernelCall(Kernel.BN_FINISH_VARIANCE, name, partial, mean, invStd, runningMean, runningVar,
                            n, c, hw, eps, momentum),
                    new KernelCall(Kernel.BN_NORMALIZE, name, x, mean, invStd, gamma, beta, y, n, c, hw));
        }
    }

    /** Inference-mode batch norm with the running statistics. */
    record BatchNormInfer(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                          Tensor y, int n, int c, int hw, float eps) implements Op {
        @Override
        public List<KernelCall> lower(Workspace ws) {
            return List.of(new KernelCall(Kernel.BN_FORWARD_INFERENCE, y.name(), x, runningMean, runningVar,
                    gamma, beta, y, n, c, hw, eps));
        }
    }

    /** Backward of training-mode batch norm, through the batch statistics. */
    record BatchNormBackward(Tensor gradOut, Tensor x, Tensor mean, Tensor invStd, Tensor gamma,
                             Tensor gradGamma, Tensor gradBeta, Tensor gradIn, int n, int c, int hw) implements Op {
        @Override
        public List<KernelCall> lower(Workspace ws) {
            String name = gradIn.name();
            Tensor partialGamma = ws.allocate(name + ".partialGamma", Shape.of(n, c));
            Tensor partialBeta = ws.allocate(name + ".partialBeta", Shape.of(n, c));
            return List.of(
                    new KernelCall(Kernel.BN_BACKWARD_PARTIALS, name, gradOut, x, mean, invStd, partialGamma,
                            partialBeta, n, c, hw),
                    new KernelCall(Kernel.SUM_GROUPS, name, partialGamma, gradGamma, n, c),
                    new KernelCall(Kernel.SUM_GROUPS, name, partialBeta, gradBeta, n, c),
                    new KernelCall(Kernel.BN_BACKWARD_INPUT, name, gradOut, x, mean, invStd, gamma, gradGamma,
                            gradBeta, gradIn, n, c, hw));
        }
    }

    /**
     * Synchronised batch norm's first pass: per-channel sum and sum of squares of x into sums [2][c],
     * for {@link ReplicaMean} to average over the replicas and {@link BatchNormFromSums} to finish.
     */
    record BatchNormSums(Tensor x, Tensor sums, int n, int c, int hw) implements Op {
        @Override
        public List<KernelCall> lower(Workspace ws) {
            Tensor partial = ws.allocate(sums.name() + ".partial", Shape.of(n, 2 * c));
            return List.of(
                    new KernelCall(Kernel.BN_CHANNEL_SUMS_AND_SQUARES, sums.name(), x, partial, n, c, hw),
                    new KernelCall(Kernel.SUM_GROUPS, sums.name(), partial, sums, n, 2 * c));
        }
    }

    /**
     * The seam of a synchronised batch norm: values become their element-wise mean over the
     * data-parallel replicas, by a call to the host between two kernels of a stage.
     */
    record ReplicaMean(Tensor values, Replicas replicas) implements Op {
        @Override
        public List<KernelCall> lower(Workspace ws) {
            return List.of(new KernelCall(Kernel.REPLICA_MEAN, values.name(), values, replicas));
        }
    }

    /**
     * Training-mode batch norm from the replicas' mean sums of {@link BatchNormSums}: the global
     * batch's statistics (kept in mean and invStd for the backward pass), the running statistics
     * updated with them, x normalised.
     */
    record BatchNormFromSums(Tensor x, Tensor sums, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
                             Tensor mean, Tensor invStd, Tensor y, int n, int c, int hw, int replicas, float eps,
                             float momentum) implements Op {
        @Override
        public List<KernelCall> lower(Workspace ws) {
            String name = y.name();
            return List.of(
                    new KernelCall(Kernel.BN_FINISH_FROM_SUMS, name, sums, mean, invStd, runningMean, runningVar, c,
                            n * hw, replicas, eps, momentum),
                    new KernelCall(Kernel.BN_NORMALIZE, name, x, mean, invStd, gamma, beta, y, n, c, hw));
        }
    }

    /**
     * Synchronised batch norm's backward, first half: this replica's gradients of gamma and beta, and
     * the same two sums packed into sums [2][c] for {@link ReplicaMean} to average.
     */
    record BatchNormGradientSums(Tensor gradOut, Tensor x, Tensor mean, Tensor invStd, Tensor gradGamma,
                                 Tensor gradBeta, Tensor sums, int n, int c, int hw) implements Op {
        @Override
        public List<KernelCall> lower(Workspace ws) {
            String name = sums.name();
            Tensor partialGamma = ws.allocate(name + ".partialGamma", Shape.of(n, c));
            Tensor partialBeta = ws.allocate(name + ".partialBeta", Shape.of(n, c));
            return List.of(
                    new KernelCall(Kernel.BN_BACKWARD_PARTIALS, name, gradOut, x, mean, invStd, partialGamma,
                            partialBeta, n, c, hw),
                    new KernelCall(Kernel.SUM_GROUPS, name, partialGamma, gradGamma, n, c),
                    new KernelCall(Kernel.SUM_GROUPS, name, partialBeta, gradBeta, n, c),
                    new KernelCall(Kernel.BN_PACK_GRADIENT_SUMS, name, gradGamma, gradBeta, sums, c));
        }
    }

    /** Synchronised batch norm's backward, second half: the input gradient from the replicas' mean sums. */
    record BatchNormBackwardFromSums(Tensor gradOut, Tensor x, Tensor mean, Tensor invStd, Tensor gamma, Tensor sums,
                                     Tensor gradIn, int n, int c, int hw) implements Op {
        @Override
        public List<KernelCall> lower(Workspace ws) {
            return List.of(new KernelCall(Kernel.BN_BACKWARD_INPUT_FROM_SUMS, gradIn.name(), gradOut, x, mean, invStd,
                    gamma, sums, gradIn, n, c, hw));
        }
    }

    record Relu(Tensor x, Tensor y) implements Op {
        @Override
        public List<KernelCall> lower(Workspace ws) {
            return List.of(new KernelCall(Kernel.RELU_FORWARD, y.name(), x, y, x.size()));
        }
    }

    /** Gradient of ReLU, read from its output y. */
    record ReluBackward(Tensor y, Tensor gradOut, Tensor gradIn) implements Op {
        @Override
        public List<KernelCall> lower(Workspace ws) {
            return List.of(new KernelCall(Kernel.RELU_BACKWARD, gradIn.name(), y, gradOut, gradIn, y.size()));
        }
    }

    record Add(Tensor a, Tensor b, Tensor out) implements Op {
        @Override
        public List<KernelCall> lower(Workspace ws) {
            return List.of(new KernelCall(Kernel.ADD, out.name(), a, b, out, out.size()));
        }
    }

    /**
     * The paper's option-A shortcut (section 3.3): identity with stride subsampling and zero
     * padding of the extra channels; input [n][c][h][w], output [n][k][oh][ow].
     */
    record ShortcutA(Tensor in, Tensor out, int n, int c, int h, int w, int k, int stride) implements Op {
        @Override
        public List<KernelCall> lower(Workspace ws) {
            return List.of(new KernelCall(Kernel.SHORTCUT_FORWARD, out.name(), in, out, n, c, h, w, k, oh(), ow(),
                    stride, padLow()));
        }

        public int oh() {
            return (h - 1) / stride + 1;
        }

        public int ow() {
            return (w - 1) / stride + 1;
        }

        /** Zero channels placed before the copied ones, as the usual F.pad implementation does. */
        public int padLow() {
            return (k - c) / 2;
        }
    }

    record ShortcutABackward(ShortcutA forward, Tensor gradOut, Tensor gradIn) implements Op {
        @Override
        public List<KernelCall> lower(Workspace ws) {
            ShortcutA f = forward;
            return List.of(new KernelCall(Kernel.SHORTCUT_BACKWARD, gradIn.name(), gradOut, gradIn, f.n(), f.c(),
                    f.h(), f.w(), f.k(), f.oh(), f.ow(), f.stride(), f.padLow()));
        }
    }

    /** Max pooling; argmax keeps, per output, the index y*w+x of the chosen input pixel. */
    record MaxPool(Tensor in, Tensor out, int[] argmax, PoolGeometry g) implements Op {
        @Override
        public List<KernelCall> lower(Workspace ws) {
            return List.of(new KernelCall(Kernel.MAX_POOL_FORWARD, out.name(), in, out, argmax, g.n(), g.c(), g.h(),
                    g.w(), g.oh(), g.ow(), g.size(), g.stride(), g.pad()));
        }
    }

    record MaxPoolBackward(Tensor gradOut, int[] argmax, Tensor gradIn, PoolGeometry g) implements Op {
        @Override
        public List<KernelCall> lower(Workspace ws) {
            return List.of(new KernelCall(Kernel.MAX_POOL_BACKWARD, gradIn.name(), gradOut, argmax, gradIn, g.n(),
                    g.c(), g.h(), g.w(), g.oh(), g.ow(), g.size(), g.stride(), g.pad()));
        }
    }

    /** Global average pooling: [n][c][hw] to [n][c]. */
    record GlobalAvgPool(Tensor in, Tensor out, int n, int c, int hw) implements Op {
        @Override
        public List<KernelCall> lower(Workspace ws) {
            return List.of(new KernelCall(Kernel.AVG_POOL_FORWARD, out.name(), in, out, n, c, hw));
        }
    }

    record GlobalAvgPoolBackward(Tensor gradOut, Tensor gradIn, int n, int c, int hw) implements Op {
        @Override
        public List<KernelCall> lower(Workspace ws) {
            return List.of(new KernelCall(Kernel.AVG_POOL_BACKWARD, gradIn.name(), gradOut, gradIn, n, c, hw));
        }
    }

    /** Fully connected layer, y = x W^T + b with W [out][in] as PyTorch's. */
    record Linear(Tensor x, Tensor weight, Tensor bias, Tensor y, int n, int in, int out) implements Op {
        @Override
        public List<KernelCall> lower(Workspace ws) {
            return List.of(new KernelCall(Kernel.LINEAR_FORWARD, y.name(), x, weight, bias, y, n, in, out));
        }
    }

    /** Gradients of a fully connected layer; gradIn may be null when nobody needs it. */
    record LinearBackward(Tensor x, Tensor gradOut, Tensor weight, Tensor gradWeight, Tensor gradBias,
                          Tensor gradIn, int n, int in, int out) implements Op {
        @Override
        public List<KernelCall> lower(Workspace ws) {
            String name = gradWeight.name();
            KernelCall weights = new KernelCall(Kernel.LINEAR_BACKWARD_WEIGHTS, name, x, gradOut, gradWeight, n, in, out);
            KernelCall bias = new KernelCall(Kernel.LINEAR_BACKWARD_BIAS, name, gradOut, gradBias, n, out);
            if (gradIn == null) {
                return List.of(weights, bias);
            }
            return List.of(weights, bias,
                    new KernelCall(Kernel.LINEAR_BACKWARD_DATA, name, gradOut, weight, gradIn, n, in, out));
        }
    }

    /**
     * Softmax cross-entropy averaged over the batch (PyTorch's default reduction), with the
     * gradient of the logits; metrics receives {mean loss, number of correct argmax}. Rows whose
     * label is negative are padding: they add no loss, no gradient and no correct answer.
     */
    record SoftmaxCrossEntropy(Tensor logits, int[] labels, Tensor gradLogits, Tensor lossPerSample,
                               Tensor correctPerSample, Tensor metrics, int n, int classes) implements Op {
        @Override
        public List<KernelCall> lower(Workspace ws) {
            return List.of(
                    new KernelCall(Kernel.SOFTMAX_CROSS_ENTROPY, "loss", logits, labels, gradLogits, lossPerSample,
                            correctPerSample, n, classes),
                    new KernelCall(Kernel.BATCH_METRICS, "loss", lossPerSample, correctPerSample, metrics, n));
        }
    }

    record Softmax(Tensor logits, Tensor probabilities, int n, int classes) implements Op {
        @Override
        public List<KernelCall> lower(Workspace ws) {
            return List.of(new KernelCall(Kernel.SOFTMAX, probabilities.name(), logits, probabilities, n, classes));
        }
    }

    /** One torch.optim.SGD step (dampening 0) of one parameter; the rate is a one-element tensor. */
    record SgdStep(Tensor param, Tensor grad, Tensor velocity, Tensor learningRate,
                   float momentum, float weightDecay, boolean nesterov) implements Op {
        @Override
        public List<KernelCall> lower(Workspace ws) {
            return List.of(new KernelCall(Kernel.SGD_MOMENTUM_STEP, param.name(), param, grad, velocity, learningRate,
                    momentum, weightDecay, nesterov ? 1 : 0, param.size()));
        }
    }
}
