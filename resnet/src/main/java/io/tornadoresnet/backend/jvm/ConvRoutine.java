package io.tornadoresnet.backend.jvm;

import io.tornadoresnet.backend.jvm.WorkerPool.RangeTask;

/**
 * One convolution shape, run on a {@link WorkerPool} as im2col plus matrix products, with the same
 * results (to rounding) as {@code ConvKernels.forward}, {@code backwardData} and
 * {@code backwardWeightsPartial} + {@code ReduceKernels.sumGroups}: input [n][c][h][w], weight
 * [k][c][kh][kw], output [n][k][oh][ow], every output overwritten.
 *
 * <p>Work is split over images and, within an image, over tiles whose column matrix fits in a core's
 * L2 (it is written once and read by the product right away). Each worker owns its column buffer,
 * its {@link Gemm} and its share of the weight gradient, all allocated here, so the three passes
 * allocate nothing. The weight gradient sums the workers' shares in worker order, so it is
 * bit-identical from run to run for a given number of workers. 1x1 stride-1 convolutions use the
 * tensors as matrices directly.
 *
 * <p>Not thread-safe: one pass at a time (the workspaces are shared by the three passes).
 */
public final class ConvRoutine {
    /** Column floats per tile: 256 KiB, a quarter of a Zen 5 core's L2, next to the packed copy. */
    private static final int COLUMN_BUDGET = 64 * 1024;

    private final int n, c, h, w, k, kh, kw, stride, pad, oh, ow;
    private final int pixels;
    private final int taps;
    private final int depth;
    private final boolean pointwise;
    private final int workers;
    /** Forward and weight gradient: each image is cut into this many bands of output rows. */
    private final int bands;
    /** Input gradient: each image is cut into this many groups of input channels. */
    private final int channelGroups;

    private final Gemm[] gemms;
    private final float[][] columns;
    /** Per worker: its part of the weight gradient, transposed, [c*kh*kw][k]. */
    private final float[][] weightGradients;

    private final RangeTask forwardTask = this::forwardRange;
    private final RangeTask backwardDataTask = this::backwardDataRange;
    private final RangeTask backwardWeightsTask = this::backwardWeightsRange;
    private final RangeTask sumWeightGradientsTask = this::sumWeightGradientsRange;

    // The arguments of the pass in progress, read by the workers.
    private float[] in, weight, out, gradOut, gradIn, gradWeight;
    private int activeWorkers;

    /** Workspaces for {@code workers} workers: the parallelism of the pools this routine will run on. */
    public ConvRoutine(int n, int c, int h, int w, int k, int kh, int kw, int stride, int pad, int oh, int ow,
                       int workers) {
        if (n <= 0 || c <= 0 || h <= 0 || w <= 0 || k <= 0 || kh <= 0 || kw <= 0 || stride <= 0 || pad < 0
                || workers <= 0) {
            throw new IllegalArgumentException("invalid convolution shape or worker count");
        }
        if (oh != (h + 2 * pad - kh) / stride + 1 || ow != (w + 2 * pad - kw) / stride + 1 || oh <= 0 || ow <= 0) {
            throw new IllegalArgumentException("output " + oh + "x" + ow + " does not match input " + h + "x" + w
                    + ", kernel " + kh + "x" + kw + ", stride " + stride + ", pad " + pad);
        }
        this.n = n;
        this.c = c;
        this.h = h;
        this.w = w;
        this.k = k;
        this.kh = kh;
        this.kw = kw;
        this.stride = stride;
        this.pad = pad;
        this.oh = oh;
        this.ow = ow;
        this.workers = workers;
        this.pixels = oh * ow;
        this.taps = kh * kw;
        this.depth = c * taps;
        this.pointwise = kh == 1 && kw == 1 && stride == 1 && pad == 0;

        // Enough tiles for the L2 budget, and at least one per worker when there are fewer images.
        int minTiles = (workers + n - 1) / n;
        int rowFloats = depth * ow;
        this.bands = Math.min(oh, Math.max(minTiles, tiles((long) rowFloats * oh)));
        int channelFloats = taps * pixels;
        this.channelGroups = Math.min(c, Math.max(minTiles, tiles((long) channelFloats * c)));
        int maxBandRows = (oh + bands - 1) / bands;
        int maxGroupChannels = (c + channelGroups - 1) / channelGroups;
        int columnFloats = pointwise ? 0 : Math.max(rowFloats * maxBandRows, channelFloats * maxGroupChannels);

        this.gemms = new Gemm[workers];
        this.columns = new float[workers][];
        this.weightGradients = new float[workers][];
        for (int t = 0; t < workers; t++) {
            // Depths: depth (forward), k (input gradient), pixels (weight gradient); widths: pixels or k.
            gemms[t] = Gemm.create(Math.max(depth, Math.max(k, pixels)), Math.max(pixels, k));
            columns[t] = new float[columnFloats];
            weightGradients[t] = new float[depth * k];
        }
    }

    private static int tiles(long floats) {
        return (int) Math.min(Integer.MAX_VALUE, (floats + COLUMN_BUDGET - 1) / COLUMN_BUDGET);
    }

    /** The parallelism this routine was built for. */
    public int workers() {
        return workers;
    }

    /** in [n][c][h][w], weight [k][c][kh][kw] -> out [n][k][oh][ow]. */
    public void forward(float[] in, float[] weight, float[] out, WorkerPool pool) {
        checkPool(pool);
        this.in = in;
        this.weight = weight;
        this.out = out;
        try {
            pool.parallelFor(n * bands, forwardTask);
        } finally {
            this.in = null;
            this.weight = null;
            this.out = null;
        }
    }

    /** gradOut [n][k][oh][ow], weight [k][c][kh][kw] -> gradIn [n][c][h][w]. */
    public void backwardData(float[] gradOut, float[] weight, float[] gradIn, WorkerPool pool) {
        checkPool(pool);
        this.gradOut = gradOut;
        this.weight = weight;
        this.gradIn = gradIn;
        try {
            pool.parallelFor(n * channelGroups, backwardDataTask);
        } finally {
            this.gradOut = null;
            this.weight = null;
            this.gradIn = null;
        }
    }

    /** in [n][c][h][w], gradOut [n][k][oh][ow] -> gradWeight [k][c][kh][kw], summed over the batch. */
    public void backwardWeights(float[] in, float[] gradOut, float[] gradWeight, WorkerPool pool) {
        checkPool(pool);
        this.in = in;
        this.gradOut = gradOut;
        this.gradWeight = gradWeight;
        try {
            int items = n * bands;
            pool.parallelFor(items, backwardWeightsTask);
            activeWorkers = Math.min(workers, items);
            pool.parallelFor(depth, sumWeightGradientsTask);
        } finally {
            this.in = null;
            this.gradOut = null;
            this.gradWeight = null;
        }
    }

    private void checkPool(WorkerPool pool) {
        if (pool.parallelism() != workers) {
            throw new IllegalArgumentException("routine built for " + workers + " workers, pool has "
                    + pool.parallelism());
        }
    }

    /** Items are (image, band of output rows). */
    private void forwardRange(int from, int to, int worker) {
        Gemm gemm = gemms[worker];
        float[] cols = columns[worker];
        for (int item = from; item < to; item++) {
            int b = item / bands;
            int oy0 = WorkerPool.rangeStart(oh, bands, item % bands);
            int oy1 = WorkerPool.rangeStart(oh, bands, item % bands + 1);
            int p0 = oy0 * ow;
            int np = (oy1 - oy0) * ow;
            int outOff = b * k * pixels + p0;
            if (pointwise) {
                gemm.multiply(k, np, c, weight, 0, c, in, b * c * h * w + p0, pixels, out, outOff, pixels, false);
            } else {
                Im2col.expand(in, b * c * h * w, c, h, w, kh, kw, stride, pad, ow, oy0, oy1, cols);
                gemm.multiply(k, np, depth, weight, 0, depth, cols, 0, np, out, outOff, pixels, false);
            }
        }
    }

    /** Items are (image, group of input channels): a group's columns fold into its own channels only. */
    private void backwardDataRange(int from, int to, int worker) {
        Gemm gemm = gemms[worker];
        float[] cols = columns[worker];
        for (int item = from; item < to; item++) {
            int b = item / channelGroups;
            int c0 = WorkerPool.rangeStart(c, channelGroups, item % channelGroups);
            int c1 = WorkerPool.rangeStart(c, channelGroups, item % channelGroups + 1);
            int gradOutOff = b * k * pixels;
            int gradInOff = (b * c + c0) * h * w;
            if (pointwise) {
                gemm.multiplyTransposedA(c1 - c0, pixels, k, weight, c0, c, gradOut, gradOutOff, pixels,
                        gradIn, gradInOff, pixels, false);
            } else {
                gemm.multiplyTransposedA((c1 - c0) * taps, pixels, k, weight, c0 * taps, depth, gradOut, gradOutOff,
                        pixels, cols, 0, pixels, false);
                Im2col.fold(cols, c1 - c0, h, w, kh, kw, stride, pad, oh, ow, gradIn, gradInOff);
            }
        }
    }

    /** Items as in {@link #forwardRange}; each worker sums its items into its own transposed gradient. */
    private void backwardWeightsRange(int from, int to, int worker) {
        Gemm gemm = gemms[worker];
        float[] cols = columns[worker];
        float[] partial = weightGradients[worker];
        for (int item = from; item < to; item++) {
            int b = item / bands;
            int oy0 = WorkerPool.rangeStart(oh, bands, item % bands);
            int oy1 = WorkerPool.rangeStart(oh, bands, item % bands + 1);
            int p0 = oy0 * ow;
            int np = (oy1 - oy0) * ow;
            int gradOutOff = b * k * pixels + p0;
            boolean accumulate = item > from;
            if (pointwise) {
                gemm.multiplyTransposedB(c, k, np, in, b * c * h * w + p0, pixels, gradOut, gradOutOff, pixels,
                        partial, 0, k, accumulate);
            } else {
                Im2col.expand(in, b * c * h * w, c, h, w, kh, kw, stride, pad, ow, oy0, oy1, cols);
                gemm.multiplyTransposedB(depth, k, np, cols, 0, np, gradOut, gradOutOff, pixels,
                        partial, 0, k, accumulate);
            }
        }
    }

    /** gradWeight[co][j] = sum over workers, in worker order, of their [j][co]; split over j. */
    private void sumWeightGradientsRange(int from, int to, int worker) {
        for (int j = from; j < to; j++) {
            for (int co = 0; co < k; co++) {
                float sum = weightGradients[0][j * k + co];
                for (int t = 1; t < activeWorkers; t++) {
                    sum += weightGradients[t][j * k + co];
                }
                gradWeight[co * depth + j] = sum;
            }
        }
    }
}
