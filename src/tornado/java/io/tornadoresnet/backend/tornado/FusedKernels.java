package io.tornadoresnet.backend.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * Device routines that each replace a run of plain kernel calls (see {@link Routines}): the
 * batch-norm statistics and their gradients as work-group tree reductions in local memory, one
 * work-group per channel, instead of per-image partial sums and a serial finish; and the
 * element-wise ops fused with the ReLU that follows them, which saves a launch and a pass that
 * reads the tensor again. Every routine writes every buffer the calls it replaces would write
 * (except their partial-sum workspaces), so nothing else in the plan changes.
 */
final class FusedKernels {
    /** Largest work-group of the reductions (a power of two). */
    static final int MAX_GROUP = 1024;

    private FusedKernels() {
    }

    /**
     * The sum of every work-item's {@code value} over the work-group, a tree in the local array
     * {@code sums} (at least the group's size, a power of two), returned to every work-item. A
     * barrier closes it, so that sums may be used again at once. Inlined into the kernels that call it.
     */
    static float groupSum(KernelContext ctx, float[] sums, float value) {
        int t = ctx.localIdx;
        sums[t] = value;
        ctx.localBarrier();
        for (int s = ctx.localGroupSizeX / 2; s > 0; s /= 2) {
            if (t < s) {
                sums[t] += sums[t + s];
            }
            ctx.localBarrier();
        }
        float total = sums[0];
        ctx.localBarrier();
        return total;
    }

    /**
     * {@code BatchNormKernels.channelSums, finishMean, channelSquaredDeviations, finishVariance} in
     * one launch: work-group ch reduces channel ch of x [n][c][hw] (mean, then the squared
     * deviations from it, as the plain kernels), writes mean and invStd and updates the running
     * statistics. The work-group size must be a power of two.
     */
    static void bnStatistics(KernelContext ctx, float[] x, float[] mean, float[] invStd, float[] runningMean,
                             float[] runningVar, int n, int c, int hw, float eps, float momentum) {
        float[] sums = ctx.allocateFloatLocalArray(MAX_GROUP);
        int t = ctx.localIdx;
        int size = ctx.localGroupSizeX;
        int ch = ctx.groupIdx;
        int m = n * hw;
        float acc = 0f;
        for (int e = t; e < m; e += size) {
            int b = e / hw;
            acc += x[(b * c + ch) * hw + e - b * hw];
        }
        float mu = groupSum(ctx, sums, acc) / (float) m;
        acc = 0f;
        for (int e = t; e < m; e += size) {
            int b = e / hw;
            float d = x[(b * c + ch) * hw + e - b * hw] - mu;
            acc += d * d;
        }
        float var = groupSum(ctx, sums, acc) / (float) m;
        if (t == 0) {
            mean[ch] = mu;
            invStd[ch] = 1f / (float) Math.sqrt(var + eps);
            float unbiased = m > 1 ? var * ((float) m / (float) (m - 1)) : var;
            runningMean[ch] = (1f - momentum) * runningMean[ch] + momentum * mu;
            runningVar[ch] = (1f - momentum) * runningVar[ch] + momentum * unbiased;
        }
    }

    /**
     * {@code BatchNormKernels.backwardPartials} and the two {@code ReduceKernels.sumGroups} that
     * finish it, in one launch: work-group ch reduces channel ch into gradGamma[ch] and gradBeta[ch].
     */
    static void bnBackwardStatistics(KernelContext ctx, float[] gradOut, float[] x, float[] mean, float[] invStd,
                                     float[] gradGamma, float[] gradBeta, int n, int c, int hw) {
        backwardStatistics(ctx, gradOut, gradOut, gradOut, x, mean, invStd, gradGamma, gradBeta, n, c, hw, false);
    }

    /**
     * {@code ActivationKernels.reluBackward(y, gradY, gradOut)} followed by
     * {@link #bnBackwardStatistics} on gradOut, in one launch: each element of gradOut is written
     * once, by the work-group of its channel, and summed while it is in a register.
     */
    static void reluBnBackwardStatistics(KernelContext ctx, float[] y, float[] gradY, float[] gradOut, float[] x,
                                         float[] mean, float[] invStd, float[] gradGamma, float[] gradBeta,
                                         int n, int c, int hw) {
        backwardStatistics(ctx, y, gradY, gradOut, x, mean, invStd, gradGamma, gradBeta, n, c, hw, true);
    }

    /**
     * The body of both backward statistics kernels, inlined into each: with {@code relu} (a constant
     * there) it first writes gradOut from y and gradY, without it it reads gradOut and never touches y or gradY.
     */
    private static void backwardStatistics(KernelContext ctx, float[] y, float[] gradY, float[] gradOut, float[] x,
                                           float[] mean, float[] invStd, float[] gradGamma, float[] gradBeta,
                                           int n, int c, int hw, boolean relu) {
        float[] sums = ctx.allocateFloatLocalArray(MAX_GROUP);
        int t = ctx.localIdx;
        int size = ctx.localGroupSizeX;
        int ch = ctx.groupIdx;
        int m = n * hw;
        float mu = mean[ch];
        float is = invStd[ch];
        float accGamma = 0f;
        float accBeta = 0f;
        for (int e = t; e < m; e += size) {
            int b = e / hw;
            int i = (b * c + ch) * hw + e - b * hw;
            float go;
            if (relu) {
                go = y[i] > 0f ? gradY[i] : 0f;
                gradOut[i] = go;
            } else {
                go = gradOut[i];
            }
            accGamma += go * (x[i] - mu) * is;
            accBeta += go;
        }
        float gg = groupSum(ctx, sums, accGamma);
        float gb = groupSum(ctx, sums, accBeta);
        if (t == 0) {
            gradGamma[ch] = gg;
            gradBeta[ch] = gb;
        }
    }

    /** {@code BatchNormKernels.normalizeBatch(x, ..., y)} then {@code ActivationKernels.reluForward(y, z)}. */
    static void normalizeRelu(float[] x, float[] mean, float[] invStd, float[] gamma, float[] beta, float[] y,
                              float[] z, int n, int c, int hw) {
        for (@Parallel int b = 0; b < n; b++) {
            for (@Parallel int ch = 0; ch < c; ch++) {
                for (@Parallel int p = 0; p < hw; p++) {
                    int i = (b * c + ch) * hw + p;
                    float v = (x[i] - mean[ch]) * invStd[ch] * gamma[ch] + beta[ch];
                    y[i] = v;
                    z[i] = v < 0f ? 0f : v;
                }
            }
        }
    }

    /** {@code BatchNormKernels.forwardInference(x, ..., y)} then {@code ActivationKernels.reluForward(y, z)}. */
    static void inferenceRelu(float[] x, float[] runningMean, float[] runningVar, float[] gamma, float[] beta,
                              float[] y, float[] z, int n, int c, int hw, float eps) {
        for (@Parallel int b = 0; b < n; b++) {
            for (@Parallel int ch = 0; ch < c; ch++) {
                for (@Parallel int p = 0; p < hw; p++) {
                    int i = (b * c + ch) * hw + p;
                    float invStd = 1f / (float) Math.sqrt(runningVar[ch] + eps);
                    float v = (x[i] - runningMean[ch]) * invStd * gamma[ch] + beta[ch];
                    y[i] = v;
                    z[i] = v < 0f ? 0f : v;
                }
            }
        }
    }

    /** {@code ElementwiseKernels.add(a, b, out)} then {@code ActivationKernels.reluForward(out, z)}. */
    static void addRelu(float[] a, float[] b, float[] out, float[] z, int size) {
        for (@Parallel int i = 0; i < size; i++) {
            float v = a[i] + b[i];
            out[i] = v;
            z[i] = v < 0f ? 0f : v;
        }
    }
}
