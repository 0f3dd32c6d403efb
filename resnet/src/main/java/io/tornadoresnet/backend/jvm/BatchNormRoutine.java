package io.tornadoresnet.backend.jvm;

import io.tornadoresnet.backend.jvm.WorkerPool.RangeTask;

/**
 * Batch normalisation of one shape, x and y {@code [n][c][hw]}, on a {@link WorkerPool}, with the
 * results (to rounding) of {@code BatchNormKernels}: training forward (statistics, running
 * statistics, normalisation), inference forward, and backward.
 *
 * <p>The work is split over the {@code n * c} planes. A plane (a few KiB) stays in L1 while it is
 * read twice for its own sum and squared deviations; the planes of a channel are then combined in
 * image order (Chan et al.'s parallel variance), so the statistics are as accurate as the kernels'
 * two passes, cost one pass over memory instead of two, and do not depend on the number of workers.
 * The per-plane partials are allocated here; a pass allocates nothing. Not thread-safe.
 */
public final class BatchNormRoutine {
    private final int n, c, hw;
    private final int workers;
    /** Per plane [b][ch]: sum of x (forward) or of gradOut * xhat (backward). */
    private final float[] firstPartials;
    /** Per plane [b][ch]: squared deviations from the plane's mean (forward) or sum of gradOut (backward). */
    private final float[] secondPartials;
    /**
     * Per channel: y = (x - center) * scale + shift, or gradIn = gradOut * scale + (x - center) * slope
     * + shift. Centring first keeps the rounding of the kernels, which subtract the mean first.
     */
    private final float[] center, scale, shift, slope;

    private final RangeTask statisticsTask = this::statisticsRange;
    private final RangeTask affineTask = this::affineRange;
    private final RangeTask gradientPartialsTask = this::gradientPartialsRange;
    private final RangeTask inputGradientTask = this::inputGradientRange;

    // The arguments of the pass in progress, read by the workers.
    private float[] x, y, gradOut, gradIn;

    /** Buffers for {@code workers} workers and x of shape [n][c][hw]. */
    public BatchNormRoutine(int n, int c, int hw, int workers) {
        if (n <= 0 || c <= 0 || hw <= 0 || workers <= 0) {
            throw new IllegalArgumentException("invalid batch-norm shape or worker count");
        }
        this.n = n;
        this.c = c;
        this.hw = hw;
        this.workers = workers;
        this.firstPartials = new float[n * c];
        this.secondPartials = new float[n * c];
        this.center = new float[c];
        this.scale = new float[c];
        this.shift = new float[c];
        this.slope = new float[c];
    }

    /**
     * Training: normalises x with its batch statistics into y, writes the batch mean and
     * {@code invStd = 1 / sqrt(var + eps)} (saved for {@link #backward}), and moves the running mean
     * and the running (unbiased) variance towards them by {@code momentum}.
     */
    public void forwardTraining(float[] x, float[] gamma, float[] beta, float[] y, float[] mean, float[] invStd,
                                float[] runningMean, float[] runningVar, float eps, float momentum, WorkerPool pool) {
        checkPool(pool);
        this.x = x;
        this.y = y;
        try {
            pool.parallelFor(n * c, statisticsTask);
            int m = n * hw;
            for (int ch = 0; ch < c; ch++) {
                float sum = 0f;
                for (int b = 0; b < n; b++) {
                    sum += firstPartials[b * c + ch];
                }
                float mu = sum / m;
                float squares = 0f;
                for (int b = 0; b < n; b++) {
                    float d = firstPartials[b * c + ch] / hw - mu;
                    squares += secondPartials[b * c + ch] + hw * d * d;
                }
                float var = squares / m;
                float is = 1f / (float) Math.sqrt(var + eps);
                float unbiased = m > 1 ? var * ((float) m / (float) (m - 1)) : var;
                mean[ch] = mu;
                invStd[ch] = is;
                runningMean[ch] = (1f - momentum) * runningMean[ch] + momentum * mu;
                runningVar[ch] = (1f - momentum) * runningVar[ch] + momentum * unbiased;
                center[ch] = mu;
                scale[ch] = is * gamma[ch];
                shift[ch] = beta[ch];
            }
            pool.parallelFor(n * c, affineTask);
        } finally {
            this.x = null;
            this.y = null;
        }
    }

    /** Inference: {@code y = (x - runningMean) / sqrt(runningVar + eps) * gamma + beta}. */
    public void forwardInference(float[] x, float[] runningMean, float[] runningVar, float[] gamma, float[] beta,
                                 float[] y, float eps, WorkerPool pool) {
        checkPool(pool);
        for (int ch = 0; ch < c; ch++) {
            center[ch] = runningMean[ch];
            scale[ch] = gamma[ch] / (float) Math.sqrt(runningVar[ch] + eps);
            shift[ch] = beta[ch];
        }
        this.x = x;
        this.y = y;
        try {
            pool.parallelFor(n * c, affineTask);
        } finally {
            this.x = null;
            this.y = null;
        }
    }

    /**
     * From gradOut and the saved input x, mean and invStd: gradGamma and gradBeta (summed over the
     * batch) and gradIn, through the batch statistics:
     * {@code gradIn = gamma * invStd / m * (m * gradOut - gradBeta - xhat * gradGamma)}.
     */
    public void backward(float[] gradOut, float[] x, float[] mean, float[] invStd, float[] gamma,
                         float[] gradGamma, float[] gradBeta, float[] gradIn, WorkerPool pool) {
        checkPool(pool);
        this.gradOut = gradOut;
        this.x = x;
        this.gradIn = gradIn;
        try {
            for (int ch = 0; ch < c; ch++) {
                center[ch] = mean[ch];
                scale[ch] = invStd[ch];
            }
            pool.parallelFor(n * c, gradientPartialsTask);
            float m = n * hw;
            for (int ch = 0; ch < c; ch++) {
                float sumGamma = 0f;
                float sumBeta = 0f;
                for (int b = 0; b < n; b++) {
                    sumGamma += firstPartials[b * c + ch];
                    sumBeta += secondPartials[b * c + ch];
                }
                gradGamma[ch] = sumGamma;
                gradBeta[ch] = sumBeta;
                // gradIn = k * (gradOut - gradBeta / m - (x - mean) * invStd * gradGamma / m), k = gamma * invStd.
                float k = gamma[ch] * invStd[ch];
                scale[ch] = k;
                slope[ch] = -k * invStd[ch] * sumGamma / m;
                shift[ch] = -k * sumBeta / m;
            }
            pool.parallelFor(n * c, inputGradientTask);
        } finally {
            this.gradOut = null;
            this.x = null;
            this.gradIn = null;
        }
    }

    private void checkPool(WorkerPool pool) {
        if (pool.parallelism() != workers) {
            throw new IllegalArgumentException("routine built for " + workers + " workers, pool has "
                    + pool.parallelism());
        }
    }

    /** Planes [from, to): sum, then squared deviations from the plane's own mean (the plane is in L1). */
    private void statisticsRange(int from, int to, int worker) {
        for (int plane = from; plane < to; plane++) {
            int base = plane * hw;
            float sum = sum(x, base, hw);
            float mu = sum / hw;
            float s0 = 0f;
            float s1 = 0f;
            float s2 = 0f;
            float s3 = 0f;
            int p = 0;
            for (; p + 4 <= hw; p += 4) {
                float d0 = x[base + p] - mu;
                float d1 = x[base + p + 1] - mu;
                float d2 = x[base + p + 2] - mu;
                float d3 = x[base + p + 3] - mu;
                s0 += d0 * d0;
                s1 += d1 * d1;
                s2 += d2 * d2;
                s3 += d3 * d3;
            }
            for (; p < hw; p++) {
                float d = x[base + p] - mu;
                s0 += d * d;
            }
            firstPartials[plane] = sum;
            secondPartials[plane] = (s0 + s1) + (s2 + s3);
        }
    }

    /** Four independent sums: a single one would wait on the latency of every add. */
    private static float sum(float[] v, int base, int length) {
        float s0 = 0f;
        float s1 = 0f;
        float s2 = 0f;
        float s3 = 0f;
        int p = 0;
        for (; p + 4 <= length; p += 4) {
            s0 += v[base + p];
            s1 += v[base + p + 1];
            s2 += v[base + p + 2];
            s3 += v[base + p + 3];
        }
        for (; p < length; p++) {
            s0 += v[base + p];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** Planes [from, to): y = (x - center) * scale + shift of the plane's channel. */
    private void affineRange(int from, int to, int worker) {
        for (int plane = from; plane < to; plane++) {
            int ch = plane % c;
            float mu = center[ch];
            float s = scale[ch];
            float t = shift[ch];
            int base = plane * hw;
            for (int p = base; p < base + hw; p++) {
                y[p] = (x[p] - mu) * s + t;
            }
        }
    }

    /** Planes [from, to): sum of gradOut * xhat and of gradOut; mean in center, invStd in scale. */
    private void gradientPartialsRange(int from, int to, int worker) {
        for (int plane = from; plane < to; plane++) {
            int ch = plane % c;
            float mu = center[ch];
            int base = plane * hw;
            float g0 = 0f;
            float g1 = 0f;
            float b0 = 0f;
            float b1 = 0f;
            int p = 0;
            for (; p + 2 <= hw; p += 2) {
                float go0 = gradOut[base + p];
                float go1 = gradOut[base + p + 1];
                g0 += go0 * (x[base + p] - mu);
                g1 += go1 * (x[base + p + 1] - mu);
                b0 += go0;
                b1 += go1;
            }
            for (; p < hw; p++) {
                float go = gradOut[base + p];
                g0 += go * (x[base + p] - mu);
                b0 += go;
            }
            firstPartials[plane] = (g0 + g1) * scale[ch];
            secondPartials[plane] = b0 + b1;
        }
    }

    /** Planes [from, to): gradIn = gradOut * scale + (x - center) * slope + shift of the plane's channel. */
    private void inputGradientRange(int from, int to, int worker) {
        for (int plane = from; plane < to; plane++) {
            int ch = plane % c;
            float mu = center[ch];
            float s = scale[ch];
            float k = slope[ch];
            float t = shift[ch];
            int base = plane * hw;
            for (int p = base; p < base + hw; p++) {
                gradIn[p] = gradOut[p] * s + (x[p] - mu) * k + t;
            }
        }
    }
}
