package io.tornadoresnet.backend.jvm;

import io.tornadoresnet.backend.jvm.WorkerPool.RangeTask;

import java.util.Arrays;

/**
 * One convolution shape, run on a {@link WorkerPool} as matrix products, with the results (to
 * rounding) of {@code ConvKernels.forward}, {@code backwardData} and {@code backwardWeightsPartial}
 * + {@code ReduceKernels.sumGroups}: input [n][c][h][w], weight [k][c][kh][kw], output
 * [n][k][oh][ow], every output overwritten. Three ways, picked by shape:
 * <ul>
 *   <li>1x1 stride 1: the tensors are the matrices.
 *   <li>any other ResNet convolution: the image is copied into a zero-padded {@link PaddedImage}
 *       (split into phases when strided), whose im2col matrix is a table of row offsets read in place
 *       by {@link Gemm#multiplyGathered}. At stride 1 the input gradient is the same kind of
 *       convolution, of the output gradient with the kernel rotated by 180 degrees and in/out channels
 *       swapped.
 *   <li>otherwise (strided 1x1 convolutions, the input gradient of strided convolutions, paddings wider
 *       than the kernel): im2col into a buffer, and col2im for the input gradient.
 * </ul>
 * The forward pass and the input gradient of 3x3 stride-1 convolutions with many channels on large enough
 * images (ImageNet ResNets' stages; {@link Winograd#takes}) run as Winograd's F(2x2, 3x3) instead.
 * Where the output channels fill four vectors ({@link Gemm#multipliesShifted}), the forward pass
 * and the gathered input gradient run transposed, pixels along the rows of the product and channels in
 * vector lanes ({@link Gemm#multiplyShifted}), when the image has at most 8x8 pixels: there the
 * pixel-wise product's panels come out partly empty; so does the weight gradient there, the taps along
 * the rows and the output gradient transposed pixel by pixel. Both read the output pixels only
 * ({@link PaddedImage#outputPixels}), not the grid's junk columns.
 * Elsewhere, where a row of output pixels fills its vectors (56, 32, 28 or 16 pixels with AVX-512) and
 * the channels written come in groups of 8 ({@link Gemm#multipliesRows}), the gathered products skip the
 * grid's junk columns and write the output in place ({@link Gemm#multiplyGatheredRows}), with no grid to
 * copy out; where a row does not, but a band's whole grid does (14x14 and 7x7 images), the same kernel
 * runs along the grid as one row. Both read the kernel packed in groups of 8 channels, once per pass.
 * The weight gradient of a padded image with no more output channels than a vector's lanes (16 with
 * AVX-512: ResNet's first stage) is a set of dot products along the grid, each kept as a vector of
 * partial sums until the end of the pass ({@link Gemm#accumulateLaneDots}): as a matrix product its
 * panels would be one vector wide, at about half the speed.
 *
 * <p>Work is split over images and, where an image does not fit a core's L2 or there are fewer images
 * than workers, over bands of rows (or, for col2im, groups of channels). Each worker owns its buffers,
 * its {@link Gemm} and its share of the weight gradient, all allocated before the first pass, so a pass
 * allocates nothing; the Gemms, the shares and the kernel copies live in a {@link ConvScratch}, which
 * routines of other shapes may share. The shares are added up in worker order, so results are
 * bit-identical from run to run for a given number of workers. The forward pass and the input gradient,
 * whose tiles do not depend on the worker that computes them, hand their tiles out as workers come free
 * ({@link WorkerPool#parallelForBalanced}); the weight gradient keeps each worker's fixed share.
 *
 * <p>Not thread-safe: one pass at a time (the three passes share the workspaces, and with a shared
 * {@link ConvScratch} so do the routines that share it).
 */
public final class ConvRoutine {
    /** Floats of im2col matrix per tile: 256 KiB, a quarter of a Zen 5 core's L2, beside the packed copy. */
    private static final int COLUMN_BUDGET = 64 * 1024;
    /** Floats of padded image and output grid per band: 512 KiB, half an L2. */
    private static final int IMAGE_BUDGET = 128 * 1024;

    /**
     * Images up to 8x8 pixels run shifted where the channels allow: there it was 1.3-2.5x the gathered
     * product (ResNet-20's stage 3, 8x8 and 7x7); on 56x56 images it gained nothing.
     */
    private static final int SHIFTED_MAX_PIXELS = 8 * 8;

    private final int n, c, h, w, k, kh, kw, stride, pad, oh, ow;
    private final int pixels;
    private final int taps;
    private final int depth;
    private final boolean pointwise;
    /** Forward and weight gradient read a {@link PaddedImage} in place. */
    private final boolean gathered;
    /** The input gradient reads a {@link PaddedImage} of the output gradient in place (stride 1). */
    private final boolean gatheredData;
    private final int workers;
    /** Whether the gradient passes have their workspaces. */
    private final boolean backward;
    /** Forward and weight gradient: each image is cut into this many bands of output rows. */
    private final int bands;
    /** Input gradient: each image is cut into this many bands of input rows (gathered) or groups of channels. */
    private final int dataTiles;

    /** The input as the forward pass and the weight gradient read it. */
    private final PaddedImage inputImage;
    /** The output gradient as the input gradient reads it. */
    private final PaddedImage gradientImage;
    /**
     * The scratch's kernel copy, which each pass fills in the layout it reads. Forward: with
     * {@link #rowsForward} or {@link #gridRowsForward}, weight[co][j] packed in groups of rows
     * ({@link Gemm#rowGroupIndex}); with {@link #shiftedForward}, as [j][co]. Input gradient (gathered):
     * weight[co][ci][ky][kx] rotated as [ci][co][kh-1-ky][kw-1-kx], packed in groups of rows with
     * {@link #rowsData} or {@link #gridRowsData}, or as [co][kh-1-ky][kw-1-kx][ci] with {@link #shiftedData}.
     */
    private float[] weightCopy;
    /** The forward pass runs as {@link Gemm#multiplyShifted}, output channels in vector lanes. */
    private final boolean shiftedForward;
    /** The gathered input gradient runs as {@link Gemm#multiplyShifted}, input channels in vector lanes. */
    private final boolean shiftedData;
    /** The gathered forward pass writes rows of whole vectors into the output ({@link Gemm#multiplyGatheredRows}). */
    private final boolean rowsForward;
    /** The gathered input gradient writes rows of whole vectors into the input gradient. */
    private final boolean rowsData;
    /** The gathered forward pass runs {@link Gemm#multiplyGatheredRows} along each band's grid as one row. */
    private final boolean gridRowsForward;
    /** The gathered input gradient runs {@link Gemm#multiplyGatheredRows} along each band's grid as one row. */
    private final boolean gridRowsData;
    /** The forward pass by Winograd's F(2x2, 3x3), or null. */
    private final Winograd winogradForward;
    /** The input gradient by Winograd's F(2x2, 3x3), or null. */
    private final Winograd winogradData;
    private final int inputGridStride;
    private final int gradientGridStride;
    /** The weight gradient sums lane-split dot products along the grid ({@link Gemm#accumulateLaneDots}). */
    private final boolean laneDots;
    /**
     * The weight gradient runs as {@link Gemm#multiplyShifted}: the im2col matrix's rows (taps) read in
     * place at the output pixels only, times the output gradient pixel by pixel, output channels in lanes.
     */
    private final boolean shiftedWeights;
    /** Lanes of each worker's weight-gradient sums: 1 unless {@link #laneDots}. */
    private final int lanes;
    /** Channel stride of the output gradient spread onto the grid. */
    private final int spreadStride;

    /** Each worker's products, the scratch's; bound at the first pass. */
    private Gemm[] gemms;
    /** Per worker: the padded input. */
    private final float[][] inputBuffers;
    /** Per worker: the padded output gradient. */
    private final float[][] gradientBuffers;
    /** Per worker: an im2col tile. */
    private final float[][] columnBuffers;
    /** Per worker: products on the padded grid, before the junk columns are dropped. */
    private final float[][] grids;
    /**
     * Per worker: the output gradient spread onto the grid, zero in the junk columns, from
     * {@link Gemm#LINE_START} on (its rows are whole vectors); with {@link #shiftedWeights}, the output
     * gradient transposed, [pixel][k], from 0.
     */
    private final float[][] gradientGrids;
    /** Per worker: its part of the weight gradient, transposed, [c*kh*kw][k], or [c*kh*kw][k][lanes]. */
    private float[][] weightGradients;
    /** Holds the Gemms, the kernel copies and the weight-gradient shares; bound at the first pass. */
    private final ConvScratch scratch;

    private final RangeTask forwardTask = this::forwardRange;
    private final RangeTask winogradKernelTask = this::winogradKernelRange;
    private final RangeTask winogradForwardTask = this::winogradForwardRange;
    private final RangeTask winogradDataKernelTask = this::winogradDataKernelRange;
    private final RangeTask winogradDataTask = this::winogradDataRange;
    private final RangeTask rotateTask = this::rotateRange;
    private final RangeTask transposeTask = this::transposeRange;
    private final RangeTask packTask = this::packRange;
    private final RangeTask backwardDataTask = this::backwardDataRange;
    private final RangeTask backwardWeightsTask = this::backwardWeightsRange;
    private final RangeTask sumWeightGradientsTask = this::sumWeightGradientsRange;

    // The arguments of the pass in progress, read by the workers.
    private float[] in, weight, out, gradOut, gradIn, gradWeight;
    private TileEpilogue epilogue;
    private int activeWorkers;

    /** Workspaces for {@code workers} workers: the parallelism of the pools this routine will run on. */
    public ConvRoutine(int n, int c, int h, int w, int k, int kh, int kw, int stride, int pad, int oh, int ow,
                       int workers) {
        this(n, c, h, w, k, kh, kw, stride, pad, oh, ow, workers, true);
    }

    /**
     * As {@link #ConvRoutine(int, int, int, int, int, int, int, int, int, int, int, int)}; without
     * {@code backward}, only the forward pass's workspaces (for inference), and the gradient passes fail.
     */
    public ConvRoutine(int n, int c, int h, int w, int k, int kh, int kw, int stride, int pad, int oh, int ow,
                       int workers, boolean backward) {
        this(n, c, h, w, k, kh, kw, stride, pad, oh, ow, backward, new ConvScratch(workers));
        scratch.allocate();
    }

    /**
     * As {@link #ConvRoutine(int, int, int, int, int, int, int, int, int, int, int, int, boolean)}, for
     * {@code scratch.workers()} workers, with its Gemms, kernel copies and weight-gradient shares reserved in
     * {@code scratch}, which must be allocated before the first pass.
     */
    ConvRoutine(int n, int c, int h, int w, int k, int kh, int kw, int stride, int pad, int oh, int ow,
                boolean backward, ConvScratch scratch) {
        int workers = scratch.workers();
        if (n <= 0 || c <= 0 || h <= 0 || w <= 0 || k <= 0 || kh <= 0 || kw <= 0 || stride <= 0 || pad < 0) {
            throw new IllegalArgumentException("invalid convolution shape");
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
        this.backward = backward;
        this.pixels = oh * ow;
        this.taps = kh * kw;
        this.depth = c * taps;
        this.pointwise = kh == 1 && kw == 1 && stride == 1 && pad == 0;
        // A strided 1x1 convolution's im2col matrix is the image subsampled, as many floats as the output: copied
        // out, it takes the packed product (ResNet-50's projections ran 1.4-1.5x as fast as reading the phase
        // planes in place).
        this.gathered = !pointwise && kh * kw > 1 && PaddedImage.fits(h, w, kh, kw, stride, pad, pad);
        this.gatheredData = gathered && stride == 1 && PaddedImage.fits(oh, ow, kh, kw, 1, kh - 1 - pad, kw - 1 - pad);

        // Enough tiles for the cache budget, and at least one per worker when images are fewer.
        int minTiles = (workers + n - 1) / n;
        int rowFloats = depth * ow;
        int channelFloats = taps * pixels;
        if (gathered) {
            inputImage = new PaddedImage(c, h, w, kh, kw, stride, pad, pad);
            bands = tiles(oh, minTiles, (long) c * stride * stride * inputImage.plane
                    + (long) k * inputImage.gridSize(oh), IMAGE_BUDGET);
            inputGridStride = inputImage.gridSize(ceilDiv(oh, bands));
        } else {
            inputImage = null;
            bands = tiles(oh, minTiles, pointwise ? 0 : (long) rowFloats * oh, COLUMN_BUDGET);
            inputGridStride = 0;
        }
        if (gatheredData) {
            gradientImage = new PaddedImage(k, oh, ow, kh, kw, 1, kh - 1 - pad, kw - 1 - pad);
            dataTiles = tiles(h, minTiles, (long) k * gradientImage.plane + (long) c * gradientImage.gridSize(h),
                    IMAGE_BUDGET);
            gradientGridStride = gradientImage.gridSize(ceilDiv(h, dataTiles));
        } else {
            gradientImage = null;
            dataTiles = tiles(c, minTiles, pointwise ? 0 : (long) channelFloats * c, COLUMN_BUDGET);
            gradientGridStride = 0;
        }
        int columnFloats = 0;
        if (!pointwise && !gathered) {
            columnFloats = rowFloats * ceilDiv(oh, bands);
        }
        if (!pointwise && !gatheredData) {
            columnFloats = Math.max(columnFloats, channelFloats * ceilDiv(c, dataTiles));
        }

        this.inputBuffers = new float[workers][];
        this.gradientBuffers = new float[workers][];
        this.columnBuffers = new float[workers][];
        this.grids = new float[workers][];
        this.gradientGrids = new float[workers][];
        // What the products can do depends on the vector species, not on the sizes they are built for.
        Gemm products = Gemm.create(1, 1);
        // With no more output channels than a vector has lanes, the product's panels would be one vector
        // wide, where its kernels run at half speed: vectors along the grid serve better.
        int vectorLanes = products.dotLanes();
        // The Vector API's product (more than one lane) is what makes the Winograd class loadable.
        this.winogradForward = vectorLanes > 1 && Winograd.takes(c, k, h, w, kh, kw, stride, pad)
                ? new Winograd(n, c, k, h, w, workers, IMAGE_BUDGET) : null;
        this.winogradData = backward && vectorLanes > 1 && Winograd.takes(k, c, oh, ow, kh, kw, stride, pad)
                ? new Winograd(n, k, c, oh, ow, workers, IMAGE_BUDGET) : null;
        boolean directForward = gathered && winogradForward == null;
        boolean directData = backward && gatheredData && winogradData == null;
        this.shiftedForward = directForward && pixels <= SHIFTED_MAX_PIXELS && products.multipliesShifted(k);
        this.shiftedData = directData && h * w <= SHIFTED_MAX_PIXELS && products.multipliesShifted(c);
        this.rowsForward = directForward && !shiftedForward && products.multipliesRows(k, ow);
        this.rowsData = directData && !shiftedData && products.multipliesRows(c, w);
        this.gridRowsForward = directForward && !shiftedForward && !rowsForward
                && gridsRunAsRows(products, k, inputImage, oh, bands);
        this.gridRowsData = directData && !shiftedData && !rowsData
                && gridsRunAsRows(products, c, gradientImage, h, dataTiles);
        this.laneDots = gathered && backward && vectorLanes > 1 && k <= vectorLanes;
        this.shiftedWeights = gathered && backward && pixels <= SHIFTED_MAX_PIXELS && products.multipliesShifted(k);
        this.lanes = laneDots ? vectorLanes : 1;
        this.spreadStride = ceilDiv(inputGridStride, lanes) * lanes;
        for (int t = 0; t < workers; t++) {
            inputBuffers[t] = new float[gathered ? inputImage.size : 0];
            gradientBuffers[t] = new float[directData ? gradientImage.size : 0];
            columnBuffers[t] = new float[columnFloats];
            int forwardGrid = rowsForward || winogradForward != null ? 0 : k * inputGridStride;
            grids[t] = new float[Math.max(forwardGrid, rowsData || winogradData != null ? 0 : c * gradientGridStride)];
            gradientGrids[t] = new float[backward ? Gemm.LINE_START + k * spreadStride : 0];
        }
        int forDataFloats = backward && gatheredData ? c * k * taps : 0;
        int forForwardFloats = shiftedForward || rowsForward || gridRowsForward ? depth * k : 0;
        this.scratch = scratch;
        // Products of depth c or c*taps (forward), k or k*taps (input gradient), pixels or grid rows (weight
        // gradient); width pixels, or only k where the forward pass and input gradient read in place. Every
        // depth counted, a shared Gemm cuts each product's depth as this routine's own would.
        int productDepth = Math.max(Math.max(depth, k * taps), Math.max(pixels, inputGridStride));
        int productWidth = gathered && gatheredData ? k : Math.max(pixels, k);
        scratch.reserve(Math.max(forDataFloats, forForwardFloats), backward ? depth * k * lanes : 0, productDepth,
                productWidth);
    }

    /** Takes the scratch's buffers, at the first pass: it is allocated once every routine sharing it is built. */
    private void bindScratch() {
        if (weightGradients == null) {
            weightCopy = scratch.weightCopy();
            weightGradients = scratch.weightGradients();
            gemms = scratch.gemms();
        }
    }

    /** Whether the grid of every band, {@code extent} rows cut into {@code tiles}, runs as one row of m rows. */
    private static boolean gridsRunAsRows(Gemm products, int m, PaddedImage image, int extent, int tiles) {
        return products.multipliesRows(m, image.gridSize(extent / tiles))
                && products.multipliesRows(m, image.gridSize(ceilDiv(extent, tiles)));
    }

    /** Tiles of a dimension of {@code extent}: enough for {@code floats} to fit {@code budget} per tile. */
    private static int tiles(int extent, int minTiles, long floats, int budget) {
        long forBudget = (floats + budget - 1) / budget;
        return (int) Math.min(extent, Math.max(minTiles, forBudget));
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** The parallelism this routine was built for. */
    public int workers() {
        return workers;
    }

    /** in [n][c][h][w], weight [k][c][kh][kw] -> out [n][k][oh][ow]. */
    public void forward(float[] in, float[] weight, float[] out, WorkerPool pool) {
        forward(in, weight, null, out, pool);
    }

    /** Tiles of the forward pass's output: (image, band of output rows). */
    int forwardTiles() {
        return winogradForward != null ? winogradForward.tiles() : n * bands;
    }

    /**
     * As {@link #forward(float[], float[], float[], WorkerPool)}, with {@code epilogue} (when not null)
     * applied to each tile of the output as it is written.
     */
    void forward(float[] in, float[] weight, TileEpilogue epilogue, float[] out, WorkerPool pool) {
        checkPool(pool);
        bindScratch();
        this.in = in;
        this.weight = weight;
        this.epilogue = epilogue;
        this.out = out;
        try {
            if (winogradForward != null) {
                pool.parallelFor(k, winogradKernelTask);
                pool.parallelForBalanced(winogradForward.items(), winogradForwardTask);
                return;
            }
            if (shiftedForward) {
                pool.parallelFor(depth, transposeTask);
            } else if (rowsForward || gridRowsForward) {
                pool.parallelFor(depth, packTask);
            }
            pool.parallelForBalanced(n * bands, forwardTask);
        } finally {
            this.in = null;
            this.weight = null;
            this.epilogue = null;
            this.out = null;
        }
    }

    /** gradOut [n][k][oh][ow], weight [k][c][kh][kw] -> gradIn [n][c][h][w]. */
    public void backwardData(float[] gradOut, float[] weight, float[] gradIn, WorkerPool pool) {
        checkPool(pool);
        bindScratch();
        checkBackward();
        this.gradOut = gradOut;
        this.weight = weight;
        this.gradIn = gradIn;
        try {
            if (winogradData != null) {
                pool.parallelFor(c, winogradDataKernelTask);
                pool.parallelForBalanced(winogradData.items(), winogradDataTask);
                return;
            }
            if (gatheredData) {
                pool.parallelFor(c, rotateTask);
            }
            pool.parallelForBalanced(n * dataTiles, backwardDataTask);
        } finally {
            this.gradOut = null;
            this.weight = null;
            this.gradIn = null;
        }
    }

    /** in [n][c][h][w], gradOut [n][k][oh][ow] -> gradWeight [k][c][kh][kw], summed over the batch. */
    public void backwardWeights(float[] in, float[] gradOut, float[] gradWeight, WorkerPool pool) {
        checkPool(pool);
        bindScratch();
        checkBackward();
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

    private void checkBackward() {
        if (!backward) {
            throw new IllegalStateException("routine built for the forward pass only");
        }
    }

    private void checkPool(WorkerPool pool) {
        if (pool.parallelism() != workers) {
            throw new IllegalArgumentException("routine built for " + workers + " workers, pool has "
                    + pool.parallelism());
        }
    }

    /** Items are (image, band of output rows); the epilogue, if any, follows each band while it is in cache. */
    private void forwardRange(int from, int to, int worker) {
        Gemm gemm = gemms[worker];
        for (int item = from; item < to; item++) {
            int b = item / bands;
            int oy0 = WorkerPool.rangeStart(oh, bands, item % bands);
            int oy1 = WorkerPool.rangeStart(oh, bands, item % bands + 1);
            int p0 = oy0 * ow;
            int np = (oy1 - oy0) * ow;
            int outOff = b * k * pixels + p0;
            if (gathered) {
                float[] buffer = inputBuffers[worker];
                float[] grid = grids[worker];
                inputImage.load(in, b * c * h * w, oy0, oy1, buffer);
                if (shiftedForward) {
                    gemm.multiplyShifted(np, k, depth, buffer, inputImage.outputPixels, p0, inputImage.taps, 0,
                            weightCopy, grid, 0, k, false);
                    if (epilogue != null && epilogue.applyTransposed(grid, np, k, out, outOff, pixels, item)) {
                        continue;
                    }
                    transpose(grid, 0, k, np, k, out, outOff, pixels);
                } else if (rowsForward) {
                    gemm.multiplyGatheredRows(k, oy1 - oy0, ow, depth, weightCopy, buffer, inputImage.taps,
                            oy0 * inputImage.rowStride, inputImage.rowStride, out, outOff, pixels);
                } else {
                    int gridSize = inputImage.gridSize(oy1 - oy0);
                    int start = oy0 * inputImage.rowStride;
                    if (gridRowsForward) {
                        gemm.multiplyGatheredRows(k, 1, gridSize, depth, weightCopy, buffer, inputImage.taps, start,
                                gridSize, grid, 0, inputGridStride);
                    } else {
                        gemm.multiplyGathered(k, gridSize, depth, weight, 0, depth, buffer, inputImage.taps, start,
                                grid, 0, inputGridStride, false);
                    }
                    inputImage.extract(grid, inputGridStride, k, oy0, oy1, out, b * k * pixels);
                }
            } else if (pointwise) {
                gemm.multiply(k, np, c, weight, 0, c, in, b * c * h * w + p0, pixels, out, outOff, pixels, false);
            } else {
                float[] columns = columnBuffers[worker];
                Im2col.expand(in, b * c * h * w, c, h, w, kh, kw, stride, pad, ow, oy0, oy1, columns);
                gemm.multiply(k, np, depth, weight, 0, depth, columns, 0, np, out, outOff, pixels, false);
            }
            if (epilogue != null) {
                for (int ch = 0; ch < k; ch++) {
                    int at = outOff + ch * pixels;
                    epilogue.apply(out, at, at + np, ch, item);
                }
            }
        }
    }

    /** Output channels [from, to) of the forward pass's Winograd kernel. */
    private void winogradKernelRange(int from, int to, int worker) {
        winogradForward.transformKernel(weight, false, from, to);
    }

    /** Items of {@link Winograd#items()}, with the epilogue. */
    private void winogradForwardRange(int from, int to, int worker) {
        for (int item = from; item < to; item++) {
            winogradForward.run(item, in, out, gemms[worker], worker, epilogue);
        }
    }

    /** Input channels [from, to) of the input gradient's Winograd kernel: the forward kernel rotated. */
    private void winogradDataKernelRange(int from, int to, int worker) {
        winogradData.transformKernel(weight, true, from, to);
    }

    /** Items of {@link Winograd#items()} of the input gradient. */
    private void winogradDataRange(int from, int to, int worker) {
        for (int item = from; item < to; item++) {
            winogradData.run(item, gradOut, gradIn, gemms[worker], worker, null);
        }
    }

    /** Input channels [from, to) of the rotated kernel. */
    private void rotateRange(int from, int to, int worker) {
        for (int ci = from; ci < to; ci++) {
            for (int co = 0; co < k; co++) {
                int src = (co * c + ci) * taps;
                if (shiftedData) {
                    int last = (co * taps + taps - 1) * c + ci;
                    for (int t = 0; t < taps; t++) {
                        weightCopy[last - t * c] = weight[src + t];
                    }
                } else if (rowsData || gridRowsData) {
                    int last = co * taps + taps - 1;
                    for (int t = 0; t < taps; t++) {
                        weightCopy[Gemm.rowGroupIndex(ci, last - t, k * taps)] = weight[src + t];
                    }
                } else {
                    int dst = (ci * k + co) * taps + taps - 1;
                    for (int t = 0; t < taps; t++) {
                        weightCopy[dst - t] = weight[src + t];
                    }
                }
            }
        }
    }

    /** Columns [from, to) of the kernel, packed in groups of rows. */
    private void packRange(int from, int to, int worker) {
        for (int j = from; j < to; j++) {
            for (int co = 0; co < k; co++) {
                weightCopy[Gemm.rowGroupIndex(co, j, depth)] = weight[co * depth + j];
            }
        }
    }

    /** Rows [from, to) of the transposed kernel. */
    private void transposeRange(int from, int to, int worker) {
        for (int j = from; j < to; j++) {
            for (int co = 0; co < k; co++) {
                weightCopy[j * k + co] = weight[co * depth + j];
            }
        }
    }

    /**
     * Items are (image, band of input rows) when gathered, else (image, group of input channels): a
     * group's columns fold into its own channels only.
     */
    private void backwardDataRange(int from, int to, int worker) {
        Gemm gemm = gemms[worker];
        for (int item = from; item < to; item++) {
            int b = item / dataTiles;
            int t0 = item % dataTiles;
            int gradOutOff = b * k * pixels;
            if (gatheredData) {
                int y0 = WorkerPool.rangeStart(h, dataTiles, t0);
                int y1 = WorkerPool.rangeStart(h, dataTiles, t0 + 1);
                float[] padded = gradientBuffers[worker];
                float[] grid = grids[worker];
                gradientImage.load(gradOut, gradOutOff, y0, y1, padded);
                if (shiftedData) {
                    gemm.multiplyShifted((y1 - y0) * w, c, k * taps, padded, gradientImage.outputPixels, y0 * w,
                            gradientImage.taps, 0, weightCopy, grid, 0, c, false);
                    transpose(grid, 0, c, (y1 - y0) * w, c, gradIn, b * c * h * w + y0 * w, h * w);
                } else if (rowsData) {
                    gemm.multiplyGatheredRows(c, y1 - y0, w, k * taps, weightCopy, padded, gradientImage.taps,
                            y0 * gradientImage.rowStride, gradientImage.rowStride, gradIn, b * c * h * w + y0 * w,
                            h * w);
                } else {
                    int gridSize = gradientImage.gridSize(y1 - y0);
                    int start = y0 * gradientImage.rowStride;
                    if (gridRowsData) {
                        gemm.multiplyGatheredRows(c, 1, gridSize, k * taps, weightCopy, padded, gradientImage.taps,
                                start, gridSize, grid, 0, gradientGridStride);
                    } else {
                        gemm.multiplyGathered(c, gridSize, k * taps, weightCopy, 0, k * taps, padded,
                                gradientImage.taps, start, grid, 0, gradientGridStride, false);
                    }
                    gradientImage.extract(grid, gradientGridStride, c, y0, y1, gradIn, b * c * h * w);
                }
                continue;
            }
            int c0 = WorkerPool.rangeStart(c, dataTiles, t0);
            int c1 = WorkerPool.rangeStart(c, dataTiles, t0 + 1);
            int gradInOff = (b * c + c0) * h * w;
            if (pointwise) {
                gemm.multiplyTransposedA(c1 - c0, pixels, k, weight, c0, c, gradOut, gradOutOff, pixels,
                        gradIn, gradInOff, pixels, false);
            } else {
                float[] columns = columnBuffers[worker];
                gemm.multiplyTransposedA((c1 - c0) * taps, pixels, k, weight, c0 * taps, depth, gradOut, gradOutOff,
                        pixels, columns, 0, pixels, false);
                Im2col.fold(columns, c1 - c0, h, w, kh, kw, stride, pad, oh, ow, gradIn, gradInOff);
            }
        }
    }

    /** Items as in {@link #forwardRange}; each worker sums its items into its own transposed gradient. */
    private void backwardWeightsRange(int from, int to, int worker) {
        Gemm gemm = gemms[worker];
        float[] partial = weightGradients[worker];
        for (int item = from; item < to; item++) {
            int b = item / bands;
            int oy0 = WorkerPool.rangeStart(oh, bands, item % bands);
            int oy1 = WorkerPool.rangeStart(oh, bands, item % bands + 1);
            boolean accumulate = item > from;
            if (gathered) {
                float[] buffer = inputBuffers[worker];
                float[] spread = gradientGrids[worker];
                inputImage.load(in, b * c * h * w, oy0, oy1, buffer);
                if (shiftedWeights) {
                    int p0 = oy0 * ow;
                    int np = (oy1 - oy0) * ow;
                    transpose(gradOut, b * k * pixels + p0, pixels, k, np, spread, 0, k);
                    gemm.multiplyShifted(depth, k, np, buffer, inputImage.taps, 0, inputImage.outputPixels, p0,
                            spread, partial, 0, k, accumulate);
                    continue;
                }
                inputImage.spread(gradOut, b * k * pixels, k, oy0, oy1, spread, Gemm.LINE_START, spreadStride);
                int grid = inputImage.gridSize(oy1 - oy0);
                if (laneDots) {
                    if (!accumulate) {
                        Arrays.fill(partial, 0, depth * k * lanes, 0f);
                    }
                    // Whole vectors along the grid: past its end, zeros (a taller band may have left values).
                    int end = ceilDiv(grid, lanes) * lanes;
                    for (int ch = 0; ch < k; ch++) {
                        int row = Gemm.LINE_START + ch * spreadStride;
                        Arrays.fill(spread, row + grid, row + end, 0f);
                    }
                    gemm.accumulateLaneDots(depth, k, grid, buffer, inputImage.taps, oy0 * inputImage.rowStride,
                            spread, Gemm.LINE_START, spreadStride, partial);
                } else {
                    gemm.multiplyTransposedBGathered(depth, k, grid, buffer, inputImage.taps,
                            oy0 * inputImage.rowStride, spread, Gemm.LINE_START, spreadStride, partial, 0, k,
                            accumulate);
                }
                continue;
            }
            int p0 = oy0 * ow;
            int np = (oy1 - oy0) * ow;
            int gradOutOff = b * k * pixels + p0;
            if (pointwise) {
                gemm.multiplyTransposedB(c, k, np, in, b * c * h * w + p0, pixels, gradOut, gradOutOff, pixels,
                        partial, 0, k, accumulate);
            } else {
                float[] columns = columnBuffers[worker];
                Im2col.expand(in, b * c * h * w, c, h, w, kh, kw, stride, pad, ow, oy0, oy1, columns);
                gemm.multiplyTransposedB(depth, k, np, columns, 0, np, gradOut, gradOutOff, pixels,
                        partial, 0, k, accumulate);
            }
        }
    }

    /**
     * {@code to[dst + j * toStride + i] = from[src + i * fromStride + j]} for {@code i < rows}, {@code j < cols}:
     * the shifted products' [pixel][channel] to and from the tensors' [channel][pixel].
     */
    private static void transpose(float[] from, int src, int fromStride, int rows, int cols, float[] to, int dst,
                                  int toStride) {
        for (int j = 0; j < cols; j++) {
            for (int i = 0; i < rows; i++) {
                to[dst + j * toStride + i] = from[src + i * fromStride + j];
            }
        }
    }

    /**
     * gradWeight[co][j] = sum over workers, in worker order, of their [j][co] (with {@link #laneDots}, each
     * the sum of its lanes in order); split over j.
     */
    private void sumWeightGradientsRange(int from, int to, int worker) {
        for (int j = from; j < to; j++) {
            for (int co = 0; co < k; co++) {
                int at = (j * k + co) * lanes;
                float sum = weightGradients[0][at];
                for (int t = 0; t < activeWorkers; t++) {
                    for (int l = t == 0 ? 1 : 0; l < lanes; l++) {
                        sum += weightGradients[t][at + l];
                    }
                }
                gradWeight[co * depth + j] = sum;
            }
        }
    }
}
