package io.tornadoresnet.backend.tornado;

import uk.ac.manchester.tornado.api.KernelContext;

/**
 * Convolutions for CPU OpenCL devices such as PoCL. {@link #rows}: a work-group computes one image's rows of
 * output for {@code rk} output channels, one work-item per output column. Row by row it copies the
 * input rows the taps read into local memory, padding included (zeros), so that the multiply-adds
 * read local memory at plain affine indices with no bounds checks; the {@code rk} sums of a
 * work-item then sit side by side, which PoCL's compiler turns into vector multiply-adds, one input
 * value broadcast against 16 weights (AVX-512). The block's weights are staged once per work-group.
 * All input channels are staged at once, so the kernel takes only layers whose rows and weights fit
 * in local memory ({@link ConvTasks#rowLaunch}); staging them in chunks would need a condition that
 * TornadoVM 5.2 fails to compile once the shapes are constants ("logic node LogicConstantNode").
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
    /** Floats of staged input rows: {@code inC * kh * ((outW - 1) * stride + kw)} must not exceed it. */
    static final int MAX_ROWS = 4096;
    /** Floats of a staged output-gradient row ({@link #weightRows}): {@code rk * ow} must not exceed it. */
    static final int MAX_GRADIENT_ROW = 2048;
    /** Work-items of a {@link #weightRows} group, {@code c * kh * kw}: PoCL's limit. */
    static final int MAX_COLUMNS = 4096;
    /** Floats of staged weights: {@code inC * kh * kw * rk} must not exceed it. */
    static final int MAX_WEIGHTS = 18432;

    private RowConvKernels() {
    }

    /**
     * in [n][inC][inH][inW], weight [outC][inC][kh][kw] ({@code flip = 0}) or [inC][outC][kh][kw]
     * turned by 180 degrees ({@code flip = 1}), in spread by {@code dilate} -> out [n][outC][outH][outW]. Launch: global
     * {@code (outW, n * outC / rk)}, work-groups {@code (outW, 1)}.
     */
    static void rows(KernelContext ctx, float[] in, float[] weight, float[] out,
                     int n, int inC, int inH, int inW, int outC, int outH, int outW, int kh, int kw,
                     int stride, int pad, int rk, int flip, int dilate) {
        float[] rowsLocal = ctx.allocateFloatLocalArray(MAX_ROWS);
        float[] weightsLocal = ctx.allocateFloatLocalArray(MAX_WEIGHTS);
        float[] acc = new float[MAX_BLOCK];
        int x = ctx.localIdx;
        int blocks = outC / rk;
        int b = ctx.groupIdy / blocks;
        int m0 = (ctx.groupIdy - b * blocks) * rk;
        int khw = kh * kw;
        int span = (outW - 1) * stride + kw;
        int outStride = flip == 0 ? inC * khw : khw;
        int inStride = flip == 0 ? khw : outC * khw;
        int weightFloats = inC * khw * rk;
        // weightsLocal[((j * kh + ky) * kw + kx) * rk + r]: the weight from input channel j to output channel m0 + r
        for (int e = x; e < weightFloats; e += outW) {
            int r = e % rk;
            int t = e / rk;
            int tap = t % khw;
            int j = t / khw;
            int ky = tap / kw;
            int kx = tap - ky * kw;
            int source = flip == 0 ? tap : (kh - 1 - ky) * kw + kw - 1 - kx;
            weightsLocal[e] = weight[(m0 + r) * outStride + j * inStride + source];
        }
        for (int oy = 0; oy < outH; oy++) {
            // rowsLocal[(j * kh + ky) * span + xx]: row oy * stride - pad + ky, column xx - pad of the input
            // spread by dilate (dilate - 1 zeros between neighbours)
            for (int row = 0; row < inC * kh; row++) {
                int j = row / kh;
                int spreadY = oy * stride - pad + row - j * kh;
                int iy = spreadY / dilate;
                boolean inside = spreadY >= 0 && iy * dilate == spreadY && iy < inH;
                int base = ((b * inC + j) * inH + iy) * inW;
                for (int xx = x; xx < span; xx += outW) {
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
            for (int r = 0; r < rk; r++) {
                acc[r] = 0f;
            }
            for (int j = 0; j < inC; j++) {
                for (int ky = 0; ky < kh; ky++) {
                    for (int kx = 0; kx < kw; kx++) {
                        float v = rowsLocal[(j * kh + ky) * span + x * stride + kx];
                        int wb = ((j * kh + ky) * kw + kx) * rk;
                        for (int r = 0; r < rk; r++) {
                            acc[r] += weightsLocal[wb + r] * v;
                        }
                    }
                }
            }
            for (int r = 0; r < rk; r++) {
                out[((b * outC + m0 + r) * outH + oy) * outW + x] = acc[r];
            }
            ctx.localBarrier();
        }
    }

    /**
     * As {@code ConvKernels.backwardWeightsPartial}: in [n][c][h][w], gradOut [n][k][oh][ow] ->
     * partial [groups][k][c][kh][kw], group g over the images b with {@code b % groups == g}. A
     * work-item owns one weight column (input channel and tap) and keeps its sums for {@code rk}
     * output channels; output row by output row, the work-group stages the input rows (padded) and
     * the output gradient's row for its channels, transposed so that the {@code rk} values of a
     * pixel sit side by side. Launch: global {@code (c * kh * kw, groups * k / rk)}, work-groups
     * {@code (c * kh * kw, 1)}.
     */
    static void weightRows(KernelContext ctx, float[] in, float[] gradOut, float[] partial,
                           int n, int c, int h, int w, int k, int kh, int kw, int stride, int pad, int oh, int ow,
                           int groups, int rk) {
        float[] rowsLocal = ctx.allocateFloatLocalArray(MAX_ROWS);
        float[] gradLocal = ctx.allocateFloatLocalArray(MAX_GRADIENT_ROW);
        float[] acc = new float[MAX_BLOCK];
        int t = ctx.localIdx;
        int threads = ctx.localGroupSizeX;
        int blocks = k / rk;
        int g = ctx.groupIdy / blocks;
        int m0 = (ctx.groupIdy - g * blocks) * rk;
        int khw = kh * kw;
        int ci = t / khw;
        int ky = (t - ci * khw) / kw;
        int kx = t - ci * khw - ky * kw;
        int span = (ow - 1) * stride + kw;
        int rowFloats = c * kh * span;
        int column = (ci * kh + ky) * span + kx;
        int images = (n - g + groups - 1) / groups;
        for (int r = 0; r < rk; r++) {
            acc[r] = 0f;
        }
        for (int bl = 0; bl < images; bl++) {
            int b = g + bl * groups;
            for (int oy = 0; oy < oh; oy++) {
                // rowsLocal[(j * kh + y) * span + xx]: input row oy * stride - pad + y of channel j, column xx - pad
                for (int e = t; e < rowFloats; e += threads) {
                    int row = e / span;
                    int xx = e - row * span;
                    int j = row / kh;
                    int iy = oy * stride - pad + row - j * kh;
                    int ix = xx - pad;
                    float v = 0f;
                    if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                        v = in[((b * c + j) * h + iy) * w + ix];
                    }
                    rowsLocal[e] = v;
                }
                // gradLocal[ox * rk + r] = gradOut[b][m0 + r][oy][ox]
                for (int e = t; e < rk * ow; e += threads) {
                    int r = e / ow;
                    int ox = e - r * ow;
                    gradLocal[ox * rk + r] = gradOut[((b * k + m0 + r) * oh + oy) * ow + ox];
                }
                ctx.localBarrier();
                for (int ox = 0; ox < ow; ox++) {
                    float v = rowsLocal[column + ox * stride];
                    for (int r = 0; r < rk; r++) {
                        acc[r] += gradLocal[ox * rk + r] * v;
                    }
                }
                ctx.localBarrier();
            }
        }
        for (int r = 0; r < rk; r++) {
            partial[(g * k + m0 + r) * c * khw + t] = acc[r];
        }
    }
}
