package io.tornadoresnet.backend.tornado;

import uk.ac.manchester.tornado.api.KernelContext;

/**
 * Convolutions for CPU OpenCL devices such as PoCL. {@link #rows}: a work-group computes one image's rows of
 * output for {@code rk} output channels, each work-item {@code pixels} output columns (so that it keeps
 * that many independent chains of multiply-adds in flight). For each band of {@code band} output rows
 * (the whole image where it fits) it copies the input rows the taps read into local memory once,
 * padding included (zeros), so that the multiply-adds read local memory at plain affine indices with
 * no bounds checks; the {@code rk} sums of a work-item's column then sit side by side, which PoCL's
 * compiler turns into vector multiply-adds, one input value broadcast against 16 weights (AVX-512).
 * The block's weights are staged once per work-group. All input channels are staged at once, so the
 * kernel takes only layers whose rows (for a band of one output row) and weights fit in local memory
 * ({@link ConvTasks#rowLaunch}); staging them in chunks would need a condition that TornadoVM 5.2
 * fails to compile once the shapes are constants ("logic node LogicConstantNode").
 *
 * <p>The same kernel runs the forward pass and, with {@code flip = 1}, the input gradient, which is a
 * stride-1 convolution of the output gradient with the weights transposed ({@code [k][c]} read as
 * {@code [c][k]}) and turned by 180 degrees, padded by {@code kh - 1 - pad}; for a convolution of
 * stride s the output gradient is first spread out with s - 1 zeros between neighbours
 * ({@code dilate = s}), so three quarters of a stride-2 layer's multiply-adds add zeros.
 * Same results as {@code ConvKernels.forward} and {@code ConvKernels.backwardData} up to the order
 * of the sums. {@code rk} and the shapes are scalar arguments, which TornadoVM compiles
 * as constants, so the tap and channel-block loops unroll. {@link #weightRows} computes the weight
 * gradient the same way, its sums over the pixels of a group's images.
 */
final class RowConvKernels {
    /** Largest {@code rk}. */
    static final int MAX_BLOCK = 32;
    /**
     * Floats of the input rows {@link #rows} and {@link #weightRows} stage for a band of {@code band} output
     * rows: {@code inC * ((band - 1) * stride + kh) * ((outW - 1) * stride + kw)} must not exceed it.
     */
    static final int MAX_BAND = 32768;
    /** Floats of the output-gradient rows {@link #weightRows} stages for a band: {@code rk * band * ow} must not exceed it. */
    static final int MAX_GRADIENT_BAND = 16384;
    /** Work-items of a {@link #weightRows} group, {@code c * kh}: PoCL's limit. */
    static final int MAX_GROUP = 4096;
    /** Widest kernel {@link #weightRows} takes: a work-item keeps the sums of a row of {@code kw} taps. */
    static final int MAX_KW = 7;
    /** Most output columns a work-item of {@link #rows} computes. */
    static final int MAX_PIXELS = 4;
    /** Floats of staged weights: {@code inC * kh * kw * rk} must not exceed it. */
    static final int MAX_WEIGHTS = 18432;

    private RowConvKernels() {
    }

    /**
     * in [n][inC][inH][inW], weight [outC][inC][kh][kw] ({@code flip = 0}) or [inC][outC][kh][kw]
     * turned by 180 degrees ({@code flip = 1}), in spread by {@code dilate} -> out [n][outC][outH][outW]. Work-item x
     * computes columns {@code x + q * outW / pixels}. Launch: global {@code (outW / pixels, n * outC / rk)},
     * work-groups {@code (outW / pixels, 1)}.
     */
    static void rows(KernelContext ctx, float[] in, float[] weight, float[] out,
                     int n, int inC, int inH, int inW, int outC, int outH, int outW, int kh, int kw,
                     int stride, int pad, int rk, int flip, int dilate, int pixels, int band) {
        float[] rowsLocal = ctx.allocateFloatLocalArray(MAX_BAND);
        float[] weightsLocal = ctx.allocateFloatLocalArray(MAX_WEIGHTS);
        float[] acc = new float[MAX_BLOCK * MAX_PIXELS];
        int x = ctx.localIdx;
        // 0, but neither TornadoVM's compiler nor PoCL's uniformity analysis can tell (see the tap loops)
        int zero = x >> 30;
        int columns = outW / pixels;
        int blocks = outC / rk;
        int b = ctx.groupIdy / blocks;
        int m0 = (ctx.groupIdy - b * blocks) * rk;
        int khw = kh * kw;
        int span = (outW - 1) * stride + kw;
        int outStride = flip == 0 ? inC * khw : khw;
        int inStride = flip == 0 ? khw : outC * khw;
        int weightFloats = inC * khw * rk;
        // weightsLocal[((j * kh + ky) * kw + kx) * rk + r]: the weight from input channel j to output channel m0 + r
        for (int e = x; e < weightFloats; e += columns) {
            int r = e % rk;
            int t = e / rk;
            int tap = t % khw;
            int j = t / khw;
            int ky = tap / kw;
            int kx = tap - ky * kw;
            int source = flip == 0 ? tap : (kh - 1 - ky) * kw + kw - 1 - kx;
            weightsLocal[e] = weight[(m0 + r) * outStride + j * inStride + source];
        }
        int bandRows = (band - 1) * stride + kh;
        for (int oy0 = 0; oy0 < outH; oy0 += band) {
            // rowsLocal[(j * bandRows + y) * span + xx]: row oy0 * stride - pad + y, column xx - pad of the input
            // spread by dilate (dilate - 1 zeros between neighbours)
            for (int row = 0; row < inC * bandRows; row++) {
                int j = row / bandRows;
                int spreadY = oy0 * stride - pad + row - j * bandRows;
                int iy = spreadY / dilate;
                boolean inside = spreadY >= 0 && iy * dilate == spreadY && iy < inH;
                int base = ((b * inC + j) * inH + iy) * inW;
                for (int xx = x; xx < span; xx += columns) {
                    int spreadX = xx - pad;
                    int ix = spreadX / dilate;
                    float v = 0f;
                    if (inside && spreadX >= 0 && ix * dilate == spreadX && ix < inW) {
                        v = in[base + ix];
                    }
                    rowsLocal[row * span + xx] = v;
                }
            }
            ctx.localBarrier();
            for (int dy = 0; dy < band; dy++) {
                for (int a = 0; a < pixels * rk; a++) {
                    acc[a] = 0f;
                }
                // Bounds that depend on the work-item (zero): PoCL keeps the loops whole in each work-item,
                // its sums in registers (see weightRows), and TornadoVM's compiler unrolls only the pixels and
                // channels, not the taps too (which took it half a second a task)
                for (int j = 0; j < inC + zero; j++) {
                    for (int ky = 0; ky < kh + zero; ky++) {
                        int rowBase = (j * bandRows + dy * stride + ky) * span;
                        for (int kx = 0; kx < kw + zero; kx++) {
                            int wb = ((j * kh + ky) * kw + kx) * rk;
                            for (int q = 0; q < pixels; q++) {
                                float v = rowsLocal[rowBase + (x + q * columns) * stride + kx];
                                for (int r = 0; r < rk; r++) {
                                    acc[q * rk + r] += weightsLocal[wb + r] * v;
                                }
                            }
                        }
                    }
                }
                for (int q = 0; q < pixels; q++) {
                    for (int r = 0; r < rk; r++) {
                        out[((b * outC + m0 + r) * outH + oy0 + dy) * outW + x + q * columns] = acc[q * rk + r];
                    }
                }
            }
            ctx.localBarrier();
        }
    }

    /**
     * As {@code ConvKernels.backwardWeightsPartial}: in [n][c][h][w], gradOut [n][k][oh][ow] ->
     * partial [groups][k][c][kh][kw], group g over the images b with {@code b % groups == g}. A
     * work-item owns one row of taps (input channel and ky) and keeps its sums for {@code kw} taps and
     * {@code rk} output channels; band by band of {@code band} output rows, the work-group stages the input
     * rows (padded) and the output gradient's rows for its channels, transposed so that the {@code rk}
     * values of a pixel sit side by side. Launch: global {@code (c * kh, groups * k / rk)}, work-groups
     * {@code (c * kh, 1)}.
     */
    static void weightRows(KernelContext ctx, float[] in, float[] gradOut, float[] partial,
                           int n, int c, int h, int w, int k, int kh, int kw, int stride, int pad, int oh, int ow,
                           int groups, int rk, int band) {
        float[] rowsLocal = ctx.allocateFloatLocalArray(MAX_BAND);
        float[] gradLocal = ctx.allocateFloatLocalArray(MAX_GRADIENT_BAND);
        float[] acc = new float[MAX_BLOCK * MAX_KW];
        int t = ctx.localIdx;
        // 0, but neither TornadoVM's compiler nor PoCL's uniformity analysis can tell (see the pixel loop)
        int zero = t >> 30;
        int threads = ctx.localGroupSizeX;
        int blocks = k / rk;
        int g = ctx.groupIdy / blocks;
        int m0 = (ctx.groupIdy - g * blocks) * rk;
        int ci = t / kh;
        int ky = t - ci * kh;
        int span = (ow - 1) * stride + kw;
        int bandRows = (band - 1) * stride + kh;
        int rowFloats = c * bandRows * span;
        int images = (n - g + groups - 1) / groups;
        for (int a = 0; a < kw * rk; a++) {
            acc[a] = 0f;
        }
        for (int bl = 0; bl < images; bl++) {
            int b = g + bl * groups;
            for (int oy0 = 0; oy0 < oh; oy0 += band) {
                // rowsLocal[(j * bandRows + y) * span + xx]: input row oy0 * stride - pad + y of channel j, column xx - pad
                for (int e = t; e < rowFloats; e += threads) {
                    int row = e / span;
                    int xx = e - row * span;
                    int j = row / bandRows;
                    int iy = oy0 * stride - pad + row - j * bandRows;
                    int ix = xx - pad;
                    float v = 0f;
                    if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                        v = in[((b * c + j) * h + iy) * w + ix];
                    }
                    rowsLocal[e] = v;
                }
                // gradLocal[(dy * ow + ox) * rk + r] = gradOut[b][m0 + r][oy0 + dy][ox]
                for (int e = t; e < rk * band * ow; e += threads) {
                    int r = e / (band * ow);
                    int p = e - r * band * ow;
                    gradLocal[p * rk + r] = gradOut[((b * k + m0 + r) * oh + oy0) * ow + p];
                }
                ctx.localBarrier();
                for (int dy = 0; dy < band; dy++) {
                    int rowBase = (ci * bandRows + dy * stride + ky) * span;
                    // PoCL puts an implicit barrier into an innermost loop whose bound is the same for every
                    // work-item (to vectorise across work-items), which here would load and store the sums at
                    // every pixel; a bound that depends on the work-item (zero) keeps the loop whole
                    for (int ox = 0; ox < ow + zero; ox++) {
                        int gb = (dy * ow + ox) * rk;
                        for (int kx = 0; kx < kw; kx++) {
                            float v = rowsLocal[rowBase + ox * stride + kx];
                            for (int r = 0; r < rk; r++) {
                                acc[kx * rk + r] += gradLocal[gb + r] * v;
                            }
                        }
                    }
                }
                ctx.localBarrier();
            }
        }
        for (int kx = 0; kx < kw; kx++) {
            for (int r = 0; r < rk; r++) {
                partial[((g * k + m0 + r) * c * kh + t) * kw + kx] = acc[kx * rk + r];
            }
        }
    }
}
