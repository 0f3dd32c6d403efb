package io.tornadoresnet.backend.jvm;

import io.tornadoresnet.backend.jvm.WorkerPool.RangeTask;
import io.tornadoresnet.plan.Op;

/**
 * The fully connected layer and its gradients as matrix products on the worker pool, with
 * {@code LinearKernels}' results to rounding: {@code y = x W^T + b} split by output features,
 * {@code gradW = gradOut^T x} by output features, {@code gradIn = gradOut W} by input features.
 * Each worker has its own {@link Gemm}.
 */
final class FullyConnected {
    /**
     * Multiply-adds below which the kernels serve: a CIFAR ResNet's head (64 features to 10 classes, 82 thousand
     * at batch 128) takes them 0.05 ms forward and 0.3 ms backward, and its products would run too seldom for
     * the JIT to compile them early; ResNet-50's (2048 to 1000, 33 million at batch 16) took them 40 ms forward.
     */
    private static final long MIN_MULTIPLY_ADDS = 1 << 20;

    private FullyConnected() {
    }

    /** Whether a layer of this size runs here rather than as its kernels. */
    static boolean pays(int n, int in, int out) {
        return (long) n * in * out >= MIN_MULTIPLY_ADDS;
    }

    static Runnable forward(Op.Linear op, WorkerPool pool) {
        float[] x = op.x().data(), weight = op.weight().data(), bias = op.bias().data(), y = op.y().data();
        int n = op.n(), in = op.in(), out = op.out();
        Gemm[] gemms = gemms(pool, in, out);
        RangeTask task = (from, to, worker) -> {
            gemms[worker].multiplyTransposedB(n, to - from, in, x, 0, in, weight, from * in, in, y, from, out, false);
            for (int b = 0; b < n; b++) {
                for (int o = from; o < to; o++) {
                    y[b * out + o] += bias[o];
                }
            }
        };
        return () -> pool.parallelFor(out, task);
    }

    static Runnable backward(Op.LinearBackward op, WorkerPool pool) {
        float[] x = op.x().data(), gradOut = op.gradOut().data(), weight = op.weight().data();
        float[] gradWeight = op.gradWeight().data(), gradBias = op.gradBias().data();
        float[] gradIn = op.gradIn() == null ? null : op.gradIn().data();
        int n = op.n(), in = op.in(), out = op.out();
        Gemm[] gemms = gemms(pool, Math.max(n, out), in);
        RangeTask weights = (from, to, worker) -> {
            gemms[worker].multiplyTransposedA(to - from, in, n, gradOut, from, out, x, 0, in, gradWeight, from * in, in,
                    false);
            for (int o = from; o < to; o++) {
                float sum = 0f;
                for (int b = 0; b < n; b++) {
                    sum += gradOut[b * out + o];
                }
                gradBias[o] = sum;
            }
        };
        RangeTask data = (from, to, worker) -> gemms[worker].multiply(n, to - from, out, gradOut, 0, out, weight, from,
                in, gradIn, from, in, false);
        return () -> {
            pool.parallelFor(out, weights);
            if (gradIn != null) {
                pool.parallelFor(in, data);
            }
        };
    }

    /** A {@link Gemm} per worker, its packing buffers sized for products of at most this depth and width. */
    private static Gemm[] gemms(WorkerPool pool, int maxDepth, int maxWidth) {
        Gemm[] gemms = new Gemm[pool.parallelism()];
        for (int t = 0; t < gemms.length; t++) {
            gemms[t] = Gemm.create(maxDepth, maxWidth);
        }
        return gemms;
    }
}
