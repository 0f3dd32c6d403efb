package io.tornadoresnet.backend.tornado;

import uk.ac.manchester.tornado.api.KernelContext;

/**
 * The three convolutions of {@code ConvKernels} as tiled implicit GEMMs for TornadoVM's
 * {@link KernelContext}: same arguments, same results (up to the order of the sums), much faster
 * on a device.
 *
 * <p>Each kernel is a matrix product {@code C[M][N] = A[M][K] * B[K][N]} whose operands are read
 * straight from the NCHW tensors (no im2col buffer): a work-group of {@code wx * wy} work-items
 * computes a {@code tm x tn} tile of C ({@code tm = wy * rm}, {@code tn = wx * rn}); it walks K in
 * steps of {@code tk}, staging the A and B slices in local memory, and each work-item keeps
 * {@code rm x rn} sums in registers. Work-item (x, y) owns rows {@code y + i * wy} and columns
 * {@code x + j * wx}, so that neighbouring work-items touch neighbouring columns: the loads and
 * stores along N (pixels, in the forward pass and the input gradient) are coalesced on a GPU.
 * The work-group size comes from the task's {@code WorkerGrid} ({@link ConvTiling} sets it);
 * {@code rm}, {@code rn} and {@code tk} are scalar arguments, which TornadoVM compiles as
 * constants, so the register loops unroll.
 *
 * <ul>
 * <li>{@link #forward}: M = k (output channels), N = n * oh * ow, K = c * kh * kw.</li>
 * <li>{@link #backwardData}: M = c, N = n * h * w, K = k * kh * kw (taps that miss the stride
 * grid or the image add zero).</li>
 * <li>{@link #backwardWeightsPartial}: M = k, N = c * kh * kw, K = the output pixels of the
 * images b with {@code b % groups == g}, for the group g that the third grid dimension names.</li>
 * </ul>
 */
final class TiledConvKernels {
    /** Floats in each local tile: {@code tk * tm} and {@code tk * tn} must not exceed it (8 KiB each). */
    static final int MAX_TILE = 2048;
    /** Largest {@code rm} and {@code rn}. */
    static final int MAX_BLOCK = 8;

    private TiledConvKernels() {
    }

    /** As {@code ConvKernels.forward}: in [n][c][h][w], weight [k][c][kh][kw] -> out [n][k][oh][ow]. */
    static void forward(KernelContext ctx, float[] in, float[] weight, float[] out,
                        int n, int c, int h, int w, int k, int kh, int kw, int stride, int pad, int oh, int ow,
                        int rm, int rn, int tk) {
        float[] as = ctx.allocateFloatLocalArray(MAX_TILE);
        float[] bs = ctx.allocateFloatLocalArray(MAX_TILE);
        float[] acc = new float[MAX_BLOCK * MAX_BLOCK];
        int[] colIn = new int[MAX_BLOCK];
        int[] colY = new int[MAX_BLOCK];
        int[] colX = new int[MAX_BLOCK];
        int[] colOut = new int[MAX_BLOCK];
        int lx = ctx.localIdx;
        int ly = ctx.localIdy;
        int wx = ctx.localGroupSizeX;
        int wy = ctx.localGroupSizeY;
        int tm = wy * rm;
        int tn = wx * rn;
        int m0 = ctx.groupIdy * tm;
        int n0 = ctx.groupIdx * tn;
        int ohw = oh * ow;
        int hw = h * w;
        int khw = kh * kw;
        int bigM = k;
        int bigN = n * ohw;
        int bigK = c * khw;
        int threads = wx * wy;
        int tid = ly * wx + lx;

        for (int j = 0; j < rn; j++) {
            int col = n0 + lx + j * wx;
            int b = col / ohw;
            int p = col - b * ohw;
            int oy = p / ow;
            int ox = p - oy * ow;
            colY[j] = oy * stride - pad;
            colX[j] = ox * stride - pad;
            colIn[j] = col < bigN ? b * c * hw : -1;
            colOut[j] = col < bigN ? b * k * ohw + p : -1;
        }
        for (int i = 0; i < rm * rn; i++) {
            acc[i] = 0f;
        }

        for (int k0 = 0; k0 < bigK; k0 += tk) {
            // A: weight[m][k0 + kk], consecutive work-items on consecutive kk
            for (int e = tid; e < tk * tm; e += threads) {
                int ml = e / tk;
                int kl = e - ml * tk;
                int m = m0 + ml;
                int kk = k0 + kl;
                as[kl * tm + ml] = m < bigM && kk < bigK ? weight[m * bigK + kk] : 0f;
            }
            // B: the input pixel that tap kk of output column col reads, 0 in the padding
            for (int kl = ly; kl < tk; kl += wy) {
                int kk = k0 + kl;
                int ci = kk / khw;
                int r = kk - ci * khw;
                int ky = r / kw;
                int kx = r - ky * kw;
                for (int j = 0; j < rn; j++) {
                    int iy = colY[j] + ky;
                    int ix = colX[j] + kx;
                    float v = 0f;
                    if (kk < bigK && colIn[j] >= 0 && iy >= 0 && iy < h && ix >= 0 && ix < w) {
                        v = in[colIn[j] + ci * hw + iy * w + ix];
                    }
                    bs[kl * tn + lx + j * wx] = v;
                }
            }
            ctx.localBarrier();
            for (int kl = 0; kl < tk; kl++) {
                for (int i = 0; i < rm; i++) {
                    float a = as[kl * tm + ly + i * wy];
                    for (int j = 0; j < rn; j++) {
                        acc[i * rn + j] += a * bs[kl * tn + lx + j * wx];
                    }
                }
            }
            ctx.localBarrier();
        }

        for (int i = 0; i < rm; i++) {
            int m = m0 + ly + i * wy;
            for (int j = 0; j < rn; j++) {
                if (m < bigM && colOut[j] >= 0) {
                    out[colOut[j] + m * ohw] = acc[i * rn + j];
                }
            }
        }
    }

    /** As {@code ConvKernels.backwardData}: gradOut [n][k][oh][ow], weight [k][c][kh][kw] -> gradIn [n][c][h][w]. */
    static void backwardData(KernelContext ctx, float[] gradOut, float[] weight, float[] gradIn,
                             int n, int c, int h, int w, int k, int kh, int kw, int stride, int pad, int oh, int ow,
                             int rm, int rn, int tk) {
        float[] as = ctx.allocateFloatLocalArray(MAX_TILE);
        float[] bs = ctx.allocateFloatLocalArray(MAX_TILE);
        float[] acc = new float[MAX_BLOCK * MAX_BLOCK];
        int[] colGrad = new int[MAX_BLOCK];
        int[] colY = new int[MAX_BLOCK];
        int[] colX = new int[MAX_BLOCK];
        int[] colOut = new int[MAX_BLOCK];
        int lx = ctx.localIdx;
        int ly = ctx.localIdy;
        int wx = ctx.localGroupSizeX;
        int wy = ctx.localGroupSizeY;
        int tm = wy * rm;
        int tn = wx * rn;
        int m0 = ctx.groupIdy * tm;
        int n0 = ctx.groupIdx * tn;
        int ohw = oh * ow;
        int hw = h * w;
        int khw = kh * kw;
        int bigM = c;
        int bigN = n * hw;
        int bigK = k * khw;
        int threads = wx * wy;
        int tid = ly * wx + lx;

        for (int j = 0; j < rn; j++) {
            int col = n0 + lx + j * wx;
            int b = col / hw;
            int p = col - b * hw;
            int y = p / w;
            int x = p - y * w;
            colY[j] = y + pad;
            colX[j] = x + pad;
            colGrad[j] = col < bigN ? b * k * ohw : -1;
            colOut[j] = col < bigN ? b * c * hw + p : -1;
        }
        for (int i = 0; i < rm * rn; i++) {
            acc[i] = 0f;
        }

        for (int k0 = 0; k0 < bigK; k0 += tk) {
            // A[ci][(co, ky, kx)] = weight[co][ci][ky][kx]
            for (int e = tid; e < tk * tm; e += threads) {
                int kl = e / tm;
                int ml = e - kl * tm;
                int m = m0 + ml;
                int kk = k0 + kl;
                float v = 0f;
                if (m < bigM && kk < bigK) {
                    int co = kk / khw;
                    v = weight[(co * c + m) * khw + kk - co * khw];
                }
                as[kl * tm + ml] = v;
            }
            // B[(co, ky, kx)][(b, y, x)] = gradOut[b][co][oy][ox] where oy * stride = y + pad - ky
            for (int kl = ly; kl < tk; kl += wy) {
                int kk = k0 + kl;
                int co = kk / khw;
                int r = kk - co * khw;
                int ky = r / kw;
                int kx = r - ky * kw;
                for (int j = 0; j < rn; j++) {
                    int ty = colY[j] - ky;
                    int tx = colX[j] - kx;
                    float v = 0f;
                    if (kk < bigK && colGrad[j] >= 0 && ty >= 0 && tx >= 0) {
                        int oy = ty / stride;
                        int ox = tx / stride;
                        if (oy * stride == ty && ox * stride == tx && oy < oh && ox < ow) {
                            v = gradOut[colGrad[j] + co * ohw + oy * ow + ox];
                        }
                    }
                    bs[kl * tn + lx + j * wx] = v;
                }
            }
            ctx.localBarrier();
            for (int kl = 0; kl < tk; kl++) {
                for (int i = 0; i < rm; i++) {
                    float a = as[kl * tm + ly + i * wy];
                    for (int j = 0; j < rn; j++) {
                        acc[i * rn + j] += a * bs[kl * tn + lx + j * wx];
                    }
                }
            }
            ctx.localBarrier();
        }

        for (int i = 0; i < rm; i++) {
            int m = m0 + ly + i * wy;
            for (int j = 0; j < rn; j++) {
                if (m < bigM && colOut[j] >= 0) {
                    gradIn[colOut[j] + m * hw] = acc[i * rn + j];
                }
            }
        }
    }

    /**
     * As {@code ConvKernels.backwardWeightsPartial}: in [n][c][h][w], gradOut [n][k][oh][ow] ->
     * partial [groups][k*c*kh*kw], group g (the grid's third dimension) over the images b with
     * {@code b % groups == g}.
     */
    static void backwardWeightsPartial(KernelContext ctx, float[] in, float[] gradOut, float[] partial,
                                       int n, int c, int h, int w, int k, int kh, int kw, int stride, int pad,
                                       int oh, int ow, int groups, int rm, int rn, int tk) {
        float[] as = ctx.allocateFloatLocalArray(MAX_TILE);
        float[] bs = ctx.allocateFloatLocalArray(MAX_TILE);
        float[] acc = new float[MAX_BLOCK * MAX_BLOCK];
        int[] colIn = new int[MAX_BLOCK];
        int[] colKy = new int[MAX_BLOCK];
        int[] colKx = new int[MAX_BLOCK];
        int lx = ctx.localIdx;
        int ly = ctx.localIdy;
        int wx = ctx.localGroupSizeX;
        int wy = ctx.localGroupSizeY;
        int g = ctx.groupIdz;
        int tm = wy * rm;
        int tn = wx * rn;
        int m0 = ctx.groupIdy * tm;
        int n0 = ctx.groupIdx * tn;
        int ohw = oh * ow;
        int hw = h * w;
        int khw = kh * kw;
        int bigM = k;
        int bigN = c * khw;
        int images = (n - g + groups - 1) / groups;
        int bigK = images * ohw;
        int threads = wx * wy;
        int tid = ly * wx + lx;

        for (int j = 0; j < rn; j++) {
            int col = n0 + lx + j * wx;
            int ci = col / khw;
            int r = col - ci * khw;
            int ky = r / kw;
            colKy[j] = ky - pad;
            colKx[j] = r - ky * kw - pad;
            colIn[j] = col < bigN ? ci * hw : -1;
        }
        for (int i = 0; i < rm * rn; i++) {
            acc[i] = 0f;
        }

        for (int k0 = 0; k0 < bigK; k0 += tk) {
            // A[co][(b, p)] = gradOut[b][co][p], consecutive work-items on consecutive pixels
            for (int e = tid; e < tk * tm; e += threads) {
                int ml = e / tk;
                int kl = e - ml * tk;
                int m = m0 + ml;
                int kk = k0 + kl;
                float v = 0f;
                if (m < bigM && kk < bigK) {
                    int bl = kk / ohw;
                    int p = kk - bl * ohw;
                    v = gradOut[((g + bl * groups) * k + m) * ohw + p];
                }
                as[kl * tm + ml] = v;
            }
            // B[(b, oy, ox)][(ci, ky, kx)] = in[b][ci][oy * stride - pad + ky][ox * stride - pad + kx]
            for (int kl = ly; kl < tk; kl += wy) {
                int kk = k0 + kl;
                int bl = kk / ohw;
                int p = kk - bl * ohw;
                int oy = p / ow;
                int ox = p - oy * ow;
                int imageBase = (g + bl * groups) * c * hw;
                for (int j = 0; j < rn; j++) {
                    int iy = oy * stride + colKy[j];
                    int ix = ox * stride + colKx[j];
                    float v = 0f;
                    if (kk < bigK && colIn[j] >= 0 && iy >= 0 && iy < h && ix >= 0 && ix < w) {
                        v = in[imageBase + colIn[j] + iy * w + ix];
                    }
                    bs[kl * tn + lx + j * wx] = v;
                }
            }
            ctx.localBarrier();
            for (int kl = 0; kl < tk; kl++) {
                for (int i = 0; i < rm; i++) {
                    float a = as[kl * tm + ly + i * wy];
                    for (int j = 0; j < rn; j++) {
                        acc[i * rn + j] += a * bs[kl * tn + lx + j * wx];
                    }
                }
            }
            ctx.localBarrier();
        }

        int base = g * k * bigN;
        for (int i = 0; i < rm; i++) {
            int m = m0 + ly + i * wy;
            for (int j = 0; j < rn; j++) {
                int col = n0 + lx + j * wx;
                if (m < bigM && col < bigN) {
                    partial[base + m * bigN + col] = acc[i * rn + j];
                }
            }
        }
    }
}
