package io.tornadoresnet.backend.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * Routines shaped for CPU OpenCL devices, where a work-item that walks a contiguous run of memory
 * front to back beats many work-items of one element each (PoCL turns those into gathers, and a
 * division and remainder per element to find the channel).
 *
 * <p>A whole training batch norm in one launch per direction: work-group
 * ch owns channel ch, and each of its work-items walks whole image planes {@code x[b][ch][0..hw)}
 * (planes t, t + size, ...), front to back. The forward routine reduces the channel's statistics in
 * local memory and then normalises the same planes; the backward routine reduces the gradient sums
 * and then writes the input gradient. So there is no division or remainder per element to find a
 * channel, the loads run in address order, and the second pass reads what the same work-item has
 * just read. The reductions sum each plane in order, as the plain kernels' partial sums do.
 *
 * <p>Every routine writes every buffer the calls it replaces would write (see {@link Routines}).
 * A work-item reads in its second pass only the elements it writes there, so an output may share
 * its buffer with an input. The work-group size must be a power of two up to {@link FusedKernels#MAX_GROUP}.
 * The names differ from every other kernel's, since a graph may hold the plain kernels too ("normalize"
 * itself is an OpenCL built-in, which TornadoVM refuses as a task name).
 */
final class PlaneKernels {

    private PlaneKernels() {
    }

    /**
     * {@code BatchNormKernels.channelSums, finishMean, channelSquaredDeviations, finishVariance,
     * normalizeBatch}: mean, invStd, the running statistics and y.
     */
    static void statisticsNormalize(KernelContext ctx, float[] x, float[] mean, float[] invStd, float[] runningMean,
                          float[] runningVar, float[] gamma, float[] beta, float[] y, int n, int c, int hw,
                          float eps, float momentum) {
        normalizePlanes(ctx, x, mean, invStd, runningMean, runningVar, gamma, beta, y, y, n, c, hw, eps, momentum,
                false);
    }

    /** {@link #statisticsNormalize} then {@code ActivationKernels.reluForward(y, z)}. */
    static void statisticsNormalizeRelu(KernelContext ctx, float[] x, float[] mean, float[] invStd, float[] runningMean,
                              float[] runningVar, float[] gamma, float[] beta, float[] y, float[] z, int n, int c,
                              int hw, float eps, float momentum) {
        normalizePlanes(ctx, x, mean, invStd, runningMean, runningVar, gamma, beta, y, z, n, c, hw, eps, momentum,
                true);
    }

    /**
     * The body of both normalising kernels, inlined into each: {@code relu} is a constant there, so
     * the kernel without it never touches z.
     */
    private static void normalizePlanes(KernelContext ctx, float[] x, float[] mean, float[] invStd,
                                        float[] runningMean, float[] runningVar, float[] gamma, float[] beta,
                                        float[] y, float[] z, int n, int c, int hw, float eps, float momentum,
                                        boolean relu) {
        float[] sums = ctx.allocateFloatLocalArray(FusedKernels.MAX_GROUP);
        int t = ctx.localIdx;
        int size = ctx.localGroupSizeX;
        int ch = ctx.groupIdx;
        float m = (float) (n * hw);
        float acc = 0f;
        for (int b = t; b < n; b += size) {
            int base = (b * c + ch) * hw;
            for (int p = 0; p < hw; p++) {
                acc += x[base + p];
            }
        }
        float mu = FusedKernels.groupSum(ctx, sums, acc) / m;
        acc = 0f;
        for (int b = t; b < n; b += size) {
            int base = (b * c + ch) * hw;
            for (int p = 0; p < hw; p++) {
                float d = x[base + p] - mu;
                acc += d * d;
            }
        }
        float var = FusedKernels.groupSum(ctx, sums, acc) / m;
        float is = 1f / (float) Math.sqrt(var + eps);
        if (t == 0) {
            mean[ch] = mu;
            invStd[ch] = is;
            float unbiased = n * hw > 1 ? var * (m / (m - 1f)) : var;
            runningMean[ch] = (1f - momentum) * runningMean[ch] + momentum * mu;
            runningVar[ch] = (1f - momentum) * runningVar[ch] + momentum * unbiased;
        }
        float g = gamma[ch];
        float be = beta[ch];
        for (int b = t; b < n; b += size) {
            int base = (b * c + ch) * hw;
            for (int p = 0; p < hw; p++) {
                float v = (x[base + p] - mu) * is * g + be;
                y[base + p] = v;
                if (relu) {
                    z[base + p] = v < 0f ? 0f : v;
                }
            }
        }
    }

    /**
     * {@code BatchNormKernels.backwardPartials}, the two {@code ReduceKernels.sumGroups} that finish it
     * and {@code BatchNormKernels.backwardInput}: gradGamma, gradBeta and gradIn.
     */
    static void gradients(KernelContext ctx, float[] gradOut, float[] x, float[] mean, float[] invStd, float[] gamma,
                         float[] gradGamma, float[] gradBeta, float[] gradIn, int n, int c, int hw) {
        gradientPlanes(ctx, gradOut, gradOut, gradOut, x, mean, invStd, gamma, gradGamma, gradBeta, gradIn, n, c, hw,
                false);
    }

    /**
     * {@code ActivationKernels.reluBackward(y, gradY, gradOut)} then {@link #gradients}: gradOut,
     * gradGamma, gradBeta and gradIn.
     */
    static void reluGradients(KernelContext ctx, float[] y, float[] gradY, float[] gradOut, float[] x, float[] mean,
                             float[] invStd, float[] gamma, float[] gradGamma, float[] gradBeta, float[] gradIn,
                             int n, int c, int hw) {
        gradientPlanes(ctx, y, gradY, gradOut, x, mean, invStd, gamma, gradGamma, gradBeta, gradIn, n, c, hw, true);
    }

    /**
     * The body of both gradient kernels, inlined into each: with {@code relu} (a constant there) it
     * first writes gradOut from y and gradY, without it it reads gradOut and never touches y or gradY.
     */
    private static void gradientPlanes(KernelContext ctx, float[] y, float[] gradY, float[] gradOut, float[] x,
                                       float[] mean, float[] invStd, float[] gamma, float[] gradGamma,
                                       float[] gradBeta, float[] gradIn, int n, int c, int hw, boolean relu) {
        float[] sums = ctx.allocateFloatLocalArray(FusedKernels.MAX_GROUP);
        int t = ctx.localIdx;
        int size = ctx.localGroupSizeX;
        int ch = ctx.groupIdx;
        float mu = mean[ch];
        float is = invStd[ch];
        float accGamma = 0f;
        float accBeta = 0f;
        for (int b = t; b < n; b += size) {
            int base = (b * c + ch) * hw;
            for (int p = 0; p < hw; p++) {
                float go;
                if (relu) {
                    go = y[base + p] > 0f ? gradY[base + p] : 0f;
                    gradOut[base + p] = go;
                } else {
                    go = gradOut[base + p];
                }
                accGamma += go * (x[base + p] - mu) * is;
                accBeta += go;
            }
        }
        float gg = FusedKernels.groupSum(ctx, sums, accGamma);
        float gb = FusedKernels.groupSum(ctx, sums, accBeta);
        if (t == 0) {
            gradGamma[ch] = gg;
            gradBeta[ch] = gb;
        }
        float m = (float) (n * hw);
        float scale = gamma[ch] * is / m;
        for (int b = t; b < n; b += size) {
            int base = (b * c + ch) * hw;
            for (int p = 0; p < hw; p++) {
                float xhat = (x[base + p] - mu) * is;
                gradIn[base + p] = scale * (m * gradOut[base + p] - gb - xhat * gg);
            }
        }
    }

    /**
     * {@code ShortcutKernels.forward}, one work-item a plane of out: the subsampled plane of the input
     * channel, or zeros where out's channel is padding.
     */
    static void padSubsample(float[] in, float[] out, int n, int c, int h, int w, int k, int oh, int ow, int stride,
                             int padLow) {
        for (@Parallel int b = 0; b < n; b++) {
            for (@Parallel int co = 0; co < k; co++) {
                int ci = co - padLow;
                int outBase = (b * k + co) * oh * ow;
                if (ci >= 0 && ci < c) {
                    int inBase = (b * c + ci) * h * w;
                    for (int oy = 0; oy < oh; oy++) {
                        int inRow = inBase + oy * stride * w;
                        for (int ox = 0; ox < ow; ox++) {
                            out[outBase + oy * ow + ox] = in[inRow + ox * stride];
                        }
                    }
                } else {
                    for (int q = 0; q < oh * ow; q++) {
                        out[outBase + q] = 0f;
                    }
                }
            }
        }
    }

    /**
     * {@code ShortcutKernels.backward}, one work-item a plane of gradIn: zeros, then the output
     * gradient's plane written back at every stride-th row and column.
     */
    static void padSubsampleGradient(float[] gradOut, float[] gradIn, int n, int c, int h, int w, int k, int oh,
                                     int ow, int stride, int padLow) {
        for (@Parallel int b = 0; b < n; b++) {
            for (@Parallel int ci = 0; ci < c; ci++) {
                int inBase = (b * c + ci) * h * w;
                int outBase = (b * k + ci + padLow) * oh * ow;
                for (int q = 0; q < h * w; q++) {
                    gradIn[inBase + q] = 0f;
                }
                for (int oy = 0; oy < oh && oy * stride < h; oy++) {
                    int inRow = inBase + oy * stride * w;
                    for (int ox = 0; ox < ow && ox * stride < w; ox++) {
                        gradIn[inRow + ox * stride] = gradOut[outBase + oy * ow + ox];
                    }
                }
            }
        }
    }

    /** {@code ElementwiseKernels.add} over runs of {@code run} elements, one work-item a run (out may be a or b). */
    static void sumRuns(float[] a, float[] b, float[] out, int size, int runs, int run) {
        for (@Parallel int r = 0; r < runs; r++) {
            int end = Math.min(size, (r + 1) * run);
            for (int i = r * run; i < end; i++) {
                out[i] = a[i] + b[i];
            }
        }
    }

    /** {@code ElementwiseKernels.add} then {@code ActivationKernels.reluForward(out, z)}, over runs as {@link #sumRuns}. */
    static void sumReluRuns(float[] a, float[] b, float[] out, float[] z, int size, int runs, int run) {
        for (@Parallel int r = 0; r < runs; r++) {
            int end = Math.min(size, (r + 1) * run);
            for (int i = r * run; i < end; i++) {
                float v = a[i] + b[i];
                out[i] = v;
                z[i] = v < 0f ? 0f : v;
            }
        }
    }
}
