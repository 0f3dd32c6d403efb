package io.tornadoresnet.backend.jvm;

import io.tornadoresnet.backend.jvm.WorkerPool.RangeTask;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.tensor.Tensor;

import java.util.Arrays;

/**
 * Multi-threaded, vectorised routines for the memory-bound ops (ReLU, residual add, batch norm,
 * the option-A shortcut and its gradient) with the kernels' semantics, and for the chains of them that
 * {@link Fusion} finds in training plans. Without the Vector API the backend runs these ops as their kernels.
 * Batch norm's element-wise passes split by (image, channel) plane; its gradient's sums split the
 * planes into contiguous ranges, each worker summing per channel, and add the workers' sums in worker
 * order (its forward statistics, by channel), so results do not depend on the thread timing. Every
 * task is built once, when the plan is compiled: a step allocates nothing.
 */
final class Pointwise {
    private Pointwise() {
    }

    /** A routine for op on the pool, or null where there is none (or no Vector API). */
    static Runnable routine(Op op, WorkerPool pool) {
        if (!VectorApi.available()) {
            return null;
        }
        if (op instanceof Op.Relu r) {
            float[] x = r.x().data(), y = r.y().data();
            RangeTask task = (from, to, worker) -> VectorPointwise.relu(x, y, from, to);
            int size = r.x().size();
            return () -> pool.parallelFor(size, task);
        }
        if (op instanceof Op.ReluBackward r) {
            float[] y = r.y().data(), gradOut = r.gradOut().data(), gradIn = r.gradIn().data();
            RangeTask task = (from, to, worker) -> VectorPointwise.reluBackward(y, gradOut, gradIn, from, to);
            int size = r.y().size();
            return () -> pool.parallelFor(size, task);
        }
        if (op instanceof Op.Add a) {
            float[] x = a.a().data(), y = a.b().data(), out = a.out().data();
            RangeTask task = (from, to, worker) -> VectorPointwise.add(x, y, out, from, to);
            int size = a.out().size();
            return () -> pool.parallelFor(size, task);
        }
        if (op instanceof Op.ShortcutA f) {
            return shortcutForward(f, pool);
        }
        if (op instanceof Op.ShortcutABackward b) {
            return shortcutBackward(b, pool);
        }
        if (op instanceof Op.BatchNormTrain b) {
            return batchNormTrain(b, null, pool);
        }
        if (op instanceof Op.BatchNormInfer b) {
            return batchNormInfer(b, pool);
        }
        if (op instanceof Op.BatchNormBackward b) {
            return batchNormBackward(b, pool);
        }
        if (op instanceof Op.BatchNormSums b) {
            return batchNormSums(b, pool);
        }
        if (op instanceof Op.BatchNormFromSums b) {
            return batchNormFromSums(b, null, false, b.y(), pool);
        }
        if (op instanceof Op.BatchNormGradientSums b) {
            return batchNormGradientSums(b, pool);
        }
        if (op instanceof Op.BatchNormBackwardFromSums b) {
            return batchNormBackwardFromSums(b, pool);
        }
        return null;
    }

    /**
     * The option-A shortcut, one output plane at a time: the input's channel padLow below it,
     * subsampled by the stride, or zeros for the padding channels.
     */
    private static Runnable shortcutForward(Op.ShortcutA f, WorkerPool pool) {
        float[] in = f.in().data(), out = f.out().data();
        int c = f.c(), h = f.h(), w = f.w(), k = f.k(), oh = f.oh(), ow = f.ow(), stride = f.stride();
        int padLow = f.padLow();
        RangeTask task = (from, to, worker) -> {
            for (int plane = from; plane < to; plane++) {
                int img = plane / k;
                int ci = plane % k - padLow;
                int at = plane * oh * ow;
                if (ci < 0 || ci >= c) {
                    Arrays.fill(out, at, at + oh * ow, 0f);
                    continue;
                }
                int source = (img * c + ci) * h * w;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        out[at + oy * ow + ox] = in[source + oy * stride * w + ox * stride];
                    }
                }
            }
        };
        int planes = f.n() * k;
        return () -> pool.parallelFor(planes, task);
    }

    /**
     * The option-A shortcut's gradient, one input plane at a time: zero, then the strided pixels
     * from the output gradient's channel padLow further on.
     */
    private static Runnable shortcutBackward(Op.ShortcutABackward b, WorkerPool pool) {
        Op.ShortcutA f = b.forward();
        float[] gradOut = b.gradOut().data(), gradIn = b.gradIn().data();
        int c = f.c(), h = f.h(), w = f.w(), k = f.k(), oh = f.oh(), ow = f.ow(), stride = f.stride();
        int padLow = f.padLow();
        RangeTask task = (from, to, worker) -> {
            for (int plane = from; plane < to; plane++) {
                int img = plane / c;
                int ch = plane % c;
                int in = plane * h * w;
                Arrays.fill(gradIn, in, in + h * w, 0f);
                int out = (img * k + ch + padLow) * oh * ow;
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        gradIn[in + oy * stride * w + ox * stride] = gradOut[out + oy * ow + ox];
                    }
                }
            }
        };
        int planes = f.n() * c;
        return () -> pool.parallelFor(planes, task);
    }

    /**
     * Statistics as BatchNormKernels (two passes: mean, then squared deviations), or from {@code moments}
     * when not null, then normalise.
     */
    static Runnable batchNormTrain(Op.BatchNormTrain b, ChannelMoments moments, WorkerPool pool) {
        return batchNormTrain(b, null, false, b.y(), moments, pool);
    }

    /**
     * Batch norm's training pass (its own or the synchronised one), then + residual (unless null), then ReLU
     * when asked, into out; {@code moments} as in {@link #batchNormTrain(Op.BatchNormTrain, ChannelMoments,
     * WorkerPool)} (never for the synchronised one).
     */
    static Runnable normChain(Fusion.NormChain chain, ChannelMoments moments, WorkerPool pool) {
        if (chain.norm() instanceof Op.BatchNormFromSums synced) {
            return batchNormFromSums(synced, chain.residual(), chain.relu(), chain.out(), pool);
        }
        return batchNormTrain((Op.BatchNormTrain) chain.norm(), chain.residual(), chain.relu(), chain.out(), moments,
                pool);
    }

    /** Synchronised batch norm's sums as BatchNormKernels.channelSumsAndSquares and sumGroups define them. */
    private static Runnable batchNormSums(Op.BatchNormSums b, WorkerPool pool) {
        int n = b.n(), c = b.c(), hw = b.hw();
        float[] x = b.x().data(), sums = b.sums().data();
        RangeTask task = (from, to, worker) -> {
            for (int ch = from; ch < to; ch++) {
                float sum = 0;
                float squares = 0;
                for (int img = 0; img < n; img++) {
                    int base = (img * c + ch) * hw;
                    sum += VectorPointwise.sum(x, base, base + hw);
                    squares += VectorPointwise.squaredDeviations(x, 0f, base, base + hw);
                }
                sums[ch] = sum;
                sums[c + ch] = squares;
            }
        };
        return () -> pool.parallelFor(c, task);
    }

    /**
     * Statistics from the replicas' mean sums as BatchNormKernels.finishFromSums (per channel, on the
     * calling thread: c values), then normalise, + residual (unless null), then ReLU when asked, into out.
     */
    private static Runnable batchNormFromSums(Op.BatchNormFromSums b, Tensor residualTensor, boolean relu,
                                              Tensor out, WorkerPool pool) {
        int n = b.n(), c = b.c(), hw = b.hw();
        float[] x = b.x().data(), sums = b.sums().data(), mean = b.mean().data(), invStd = b.invStd().data();
        float[] runningMean = b.runningMean().data(), runningVar = b.runningVar().data();
        float[] gamma = b.gamma().data(), beta = b.beta().data(), y = out.data();
        float[] residual = residualTensor == null ? null : residualTensor.data();
        float count = (float) n * hw;
        int m = n * hw * b.replicas();
        float momentum = b.momentum();
        float eps = b.eps();
        RangeTask normalize = (from, to, worker) -> {
            for (int plane = from; plane < to; plane++) {
                int ch = plane % c;
                float scale = invStd[ch] * gamma[ch];
                VectorPointwise.scaleShiftAddRelu(x, scale, beta[ch] - mean[ch] * scale, residual, relu, y,
                        plane * hw, plane * hw + hw);
            }
        };
        return () -> {
            for (int ch = 0; ch < c; ch++) {
                float mu = sums[ch] / count;
                float var = Math.max(sums[c + ch] / count - mu * mu, 0f);
                mean[ch] = mu;
                invStd[ch] = 1f / (float) Math.sqrt(var + eps);
                float unbiased = m > 1 ? var * ((float) m / (float) (m - 1)) : var;
                runningMean[ch] = (1 - momentum) * runningMean[ch] + momentum * mu;
                runningVar[ch] = (1 - momentum) * runningVar[ch] + momentum * unbiased;
            }
            pool.parallelFor(n * c, normalize);
        };
    }

    /** This replica's gamma and beta gradients, and the same two sums packed for the replicas' average. */
    private static Runnable batchNormGradientSums(Op.BatchNormGradientSums b, WorkerPool pool) {
        int n = b.n(), c = b.c(), hw = b.hw();
        float[] gradOut = b.gradOut().data(), x = b.x().data(), mean = b.mean().data(), invStd = b.invStd().data();
        float[] gradGamma = b.gradGamma().data(), gradBeta = b.gradBeta().data(), sums = b.sums().data();
        return gradientSums(gradOut, Gate.NONE, x, mean, invStd, gradGamma, gradBeta, sums, n, c, hw, pool);
    }

    /** The input gradient from the replicas' mean gradient sums, as BatchNormKernels.backwardInputFromSums. */
    private static Runnable batchNormBackwardFromSums(Op.BatchNormBackwardFromSums b, WorkerPool pool) {
        int c = b.c(), hw = b.hw(), planes = b.n() * c;
        float[] gradOut = b.gradOut().data(), x = b.x().data(), mean = b.mean().data(), invStd = b.invStd().data();
        float[] gamma = b.gamma().data(), sums = b.sums().data(), gradIn = b.gradIn().data();
        float m = (float) b.n() * hw;
        RangeTask input = (from, to, worker) -> {
            for (int plane = from; plane < to; plane++) {
                int ch = plane % c;
                float a = gamma[ch] * invStd[ch];
                float k = a / m;
                float slope = -k * invStd[ch] * sums[ch];
                float offset = -k * sums[c + ch];
                VectorPointwise.batchNormInputGradient(gradOut, null, false, 0f, 0f, x, mean[ch], a, slope, offset,
                        gradIn, plane * hw, plane * hw + hw);
            }
        };
        return () -> pool.parallelFor(planes, input);
    }

    /**
     * Batch norm's training pass, then + residual (unless null), then ReLU when asked, into out; with
     * {@code moments} not null, the statistics are those its convolution gathered as it wrote x.
     */
    private static Runnable batchNormTrain(Op.BatchNormTrain b, Tensor residualTensor, boolean relu, Tensor out,
                                           ChannelMoments moments, WorkerPool pool) {
        int n = b.n(), c = b.c(), hw = b.hw();
        float[] x = b.x().data(), mean = b.mean().data(), invStd = b.invStd().data();
        float[] runningMean = b.runningMean().data(), runningVar = b.runningVar().data();
        float[] gamma = b.gamma().data(), beta = b.beta().data(), y = out.data();
        float[] residual = residualTensor == null ? null : residualTensor.data();
        float m = (float) n * hw;
        float momentum = b.momentum();
        float[] variance = new float[c];
        Runnable finish = () -> {
            for (int ch = 0; ch < c; ch++) {
                invStd[ch] = (float) (1.0 / Math.sqrt(variance[ch] + b.eps()));
                float unbiased = m > 1 ? variance[ch] * m / (m - 1) : variance[ch];
                runningMean[ch] = (1 - momentum) * runningMean[ch] + momentum * mean[ch];
                runningVar[ch] = (1 - momentum) * runningVar[ch] + momentum * unbiased;
            }
        };
        RangeTask statistics = (from, to, worker) -> {
            for (int ch = from; ch < to; ch++) {
                float sum = 0;
                for (int img = 0; img < n; img++) {
                    int base = (img * c + ch) * hw;
                    sum += VectorPointwise.sum(x, base, base + hw);
                }
                float mu = sum / m;
                float squares = 0;
                for (int img = 0; img < n; img++) {
                    int base = (img * c + ch) * hw;
                    squares += VectorPointwise.squaredDeviations(x, mu, base, base + hw);
                }
                mean[ch] = mu;
                variance[ch] = squares / m;
            }
        };
        RangeTask normalize = (from, to, worker) -> {
            for (int plane = from; plane < to; plane++) {
                int ch = plane % c;
                float scale = invStd[ch] * gamma[ch];
                VectorPointwise.scaleShiftAddRelu(x, scale, beta[ch] - mean[ch] * scale, residual, relu, y,
                        plane * hw, plane * hw + hw);
            }
        };
        return () -> {
            if (moments == null) {
                pool.parallelFor(c, statistics);
            } else {
                moments.finish(mean, variance);
            }
            finish.run();
            pool.parallelFor(n * c, normalize);
        };
    }

    private static Runnable batchNormInfer(Op.BatchNormInfer b, WorkerPool pool) {
        float[] mean = b.runningMean().data(), var = b.runningVar().data();
        float[] x = b.x().data(), gamma = b.gamma().data(), beta = b.beta().data(), y = b.y().data();
        int c = b.c(), hw = b.hw(), planes = b.n() * c;
        float eps = b.eps();
        RangeTask task = (from, to, worker) -> {
            for (int plane = from; plane < to; plane++) {
                int ch = plane % c;
                float scale = (float) (gamma[ch] / Math.sqrt(var[ch] + eps));
                VectorPointwise.scaleShift(x, scale, beta[ch] - mean[ch] * scale, y, plane * hw, plane * hw + hw);
            }
        };
        return () -> pool.parallelFor(planes, task);
    }

    /**
     * gradGamma = sum(dy * xhat), gradBeta = sum(dy), and
     * gradIn = gamma * invStd / m * (m * dy - gradBeta - xhat * gradGamma), folded into
     * gradIn = dy * a + (x - mean) * slope + offset per channel.
     */
    private static Runnable batchNormBackward(Op.BatchNormBackward b, WorkerPool pool) {
        return batchNormBackward(b, Gate.NONE, pool);
    }

    /**
     * Which elements of gradOut batch norm's backward counts: all ({@link #NONE}), those where ReLU's output
     * {@code mask} is positive, or those where {@code fma(x, scale[ch], shift[ch]) > 0}, ReLU's output
     * recomputed from batch norm's input x with the forward pass's per-channel scale and shift.
     */
    private record Gate(float[] mask, float[] scale, float[] shift) {
        static final Gate NONE = new Gate(null, null, null);

        boolean ofX() {
            return scale != null;
        }

        float scale(int ch) {
            return scale == null ? 0f : scale[ch];
        }

        float shift(int ch) {
            return shift == null ? 0f : shift[ch];
        }
    }

    /**
     * Batch norm's backward of ReLU's gradient, dy = gradOut where ReLU's output is positive, else 0. When
     * the chain knows the forward pass that wrote ReLU's output, the mask is recomputed from batch norm's
     * input, which the backward pass reads anyway: two passes over memory fewer than reading the output.
     */
    static Runnable normBackwardChain(Fusion.NormBackwardChain chain, WorkerPool pool) {
        Op.ReluBackward relu = chain.relu();
        Op.BatchNormBackward norm = chain.norm();
        Op.BatchNormBackward masked = new Op.BatchNormBackward(relu.gradOut(), norm.x(), norm.mean(), norm.invStd(),
                norm.gamma(), norm.gradGamma(), norm.gradBeta(), norm.gradIn(), norm.n(), norm.c(), norm.hw());
        Op.BatchNormTrain forward = chain.forward();
        if (forward == null) {
            return batchNormBackward(masked, new Gate(relu.y().data(), null, null), pool);
        }
        int c = norm.c();
        float[] mean = forward.mean().data(), invStd = forward.invStd().data();
        float[] gamma = forward.gamma().data(), beta = forward.beta().data();
        Gate gate = new Gate(null, new float[c], new float[c]);
        Runnable backward = batchNormBackward(masked, gate, pool);
        return () -> {
            // As batchNormTrain's normalising pass computes them, so that the same bits decide.
            for (int ch = 0; ch < c; ch++) {
                float scale = invStd[ch] * gamma[ch];
                gate.scale[ch] = scale;
                gate.shift[ch] = beta[ch] - mean[ch] * scale;
            }
            backward.run();
        };
    }

    /**
     * ReLU's gradient of the add's sum (or of ReLU's gradOut) written for the ops after the chain, with
     * batch norm's sums in the same pass, then batch norm's input gradient from it.
     */
    static Runnable residualBackwardChain(Fusion.ResidualBackwardChain chain, WorkerPool pool) {
        Op.ReluBackward relu = chain.relu();
        Op.BatchNormBackward norm = chain.norm();
        float[] a = chain.add() == null ? relu.gradOut().data() : chain.add().a().data();
        float[] b = chain.add() == null ? null : chain.add().b().data();
        float[] y = relu.y().data(), dy = relu.gradIn().data();
        int n = norm.n(), c = norm.c(), hw = norm.hw();
        float[] x = norm.x().data(), mean = norm.mean().data(), invStd = norm.invStd().data();
        Runnable reduce = parameterGradients((plane, ch, s, at) -> VectorPointwise.reluGradientSums(a, b, y, x,
                mean[ch], dy, plane * hw, plane * hw + hw, s, at), invStd, norm.gradGamma().data(),
                norm.gradBeta().data(), null, n, c, pool);
        return thenInputGradient(reduce, norm, Gate.NONE, pool);
    }

    /** gradOut counts only where {@code gate} lets it through. */
    private static Runnable batchNormBackward(Op.BatchNormBackward b, Gate gate, WorkerPool pool) {
        int n = b.n(), c = b.c(), hw = b.hw();
        float[] gradOut = b.gradOut().data(), x = b.x().data(), mean = b.mean().data(), invStd = b.invStd().data();
        float[] gradGamma = b.gradGamma().data(), gradBeta = b.gradBeta().data();
        Runnable reduce = gradientSums(gradOut, gate, x, mean, invStd, gradGamma, gradBeta, null, n, c, hw, pool);
        return thenInputGradient(reduce, b, gate, pool);
    }

    /** {@code reduce} (which leaves b's parameter gradients), then b's input gradient plane by plane. */
    private static Runnable thenInputGradient(Runnable reduce, Op.BatchNormBackward b, Gate gate, WorkerPool pool) {
        RangeTask input = inputGradient(b, gate);
        int planes = b.n() * b.c();
        return () -> {
            reduce.run();
            pool.parallelFor(planes, input);
        };
    }

    /**
     * Batch norm's input gradient, plane by plane, from its gradOut (counted only where {@code gate} lets it
     * through) and its parameters' gradients, already summed.
     */
    private static RangeTask inputGradient(Op.BatchNormBackward b, Gate gate) {
        int c = b.c(), hw = b.hw();
        float[] gradOut = b.gradOut().data(), x = b.x().data(), mean = b.mean().data(), invStd = b.invStd().data();
        float[] gamma = b.gamma().data(), gradGamma = b.gradGamma().data(), gradBeta = b.gradBeta().data();
        float[] gradIn = b.gradIn().data();
        float m = (float) b.n() * hw;
        return (from, to, worker) -> {
            for (int plane = from; plane < to; plane++) {
                int ch = plane % c;
                float a = gamma[ch] * invStd[ch];
                float k = a / m;
                float slope = -k * invStd[ch] * gradGamma[ch];
                float offset = -k * gradBeta[ch];
                VectorPointwise.batchNormInputGradient(gradOut, gate.mask(), gate.ofX(), gate.scale(ch), gate.shift(ch),
                        x, mean[ch], a, slope, offset, gradIn, plane * hw, plane * hw + hw);
            }
        };
    }

    /**
     * Per channel, beta's and gamma's gradients (gradOut counted only where {@code gate} lets it through);
     * with {@code packed} not null, also the two sums packed as [gamma's | beta's].
     */
    private static Runnable gradientSums(float[] gradOut, Gate gate, float[] x, float[] mean, float[] invStd,
                                         float[] gradGamma, float[] gradBeta, float[] packed, int n, int c, int hw,
                                         WorkerPool pool) {
        return parameterGradients((plane, ch, s, at) -> VectorPointwise.gradientSums(gradOut, gate.mask(), gate.ofX(),
                gate.scale(ch), gate.shift(ch), x, mean[ch], plane * hw, plane * hw + hw, s, at), invStd, gradGamma,
                gradBeta, packed, n, c, pool);
    }

    /**
     * beta's gradient, sum(dy), and gamma's, sum(dy * (x - mean)) * invStd, per channel from {@code body}'s
     * sums of each plane; with {@code packed} not null, also packed as [gamma's | beta's].
     */
    private static Runnable parameterGradients(PlaneSums body, float[] invStd, float[] gradGamma, float[] gradBeta,
                                               float[] packed, int n, int c, WorkerPool pool) {
        float[] sums = new float[2 * c];
        Runnable reduce = channelSums(n, c, pool, body, sums);
        return () -> {
            reduce.run();
            for (int ch = 0; ch < c; ch++) {
                gradBeta[ch] = sums[2 * ch];
                gradGamma[ch] = sums[2 * ch + 1] * invStd[ch];
                if (packed != null) {
                    packed[ch] = gradGamma[ch];
                    packed[c + ch] = gradBeta[ch];
                }
            }
        };
    }

    /** Adds a plane's two sums to {@code sums[at]} and {@code sums[at + 1]}. */
    @FunctionalInterface
    private interface PlaneSums {
        void add(int plane, int channel, float[] sums, int at);
    }

    /**
     * Two sums per channel over the (image, channel) planes into {@code total} [c][2]: the planes split into
     * contiguous ranges, so that each worker reads memory in order, each worker adding into its own pairs;
     * then the workers' pairs added in worker order, so results do not depend on the thread timing.
     */
    private static Runnable channelSums(int n, int c, WorkerPool pool, PlaneSums body, float[] total) {
        float[][] partial = new float[pool.parallelism()][2 * c];
        RangeTask task = (from, to, worker) -> {
            float[] s = partial[worker];
            for (int plane = from; plane < to; plane++) {
                int ch = plane % c;
                body.add(plane, ch, s, 2 * ch);
            }
        };
        return () -> {
            for (float[] p : partial) {
                Arrays.fill(p, 0f);
            }
            pool.parallelFor(n * c, task);
            Arrays.fill(total, 0f);
            for (float[] p : partial) {
                for (int i = 0; i < total.length; i++) {
                    total[i] += p[i];
                }
            }
        };
    }
}
