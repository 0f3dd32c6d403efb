package io.tornadoresnet.kernels;

import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * 2-D convolution without bias, as PyTorch's {@code nn.Conv2d(c, k, (kh, kw), stride, pad,
 * bias=False)}: weight {@code [k][c][kh][kw]}, the same stride and zero padding in both
 * dimensions, {@code oh = (h + 2 pad - kh) / stride + 1}, {@code ow = (w + 2 pad - kw) / stride + 1}.
 * ResNet puts a batch norm after every convolution, so no bias is needed.
 *
 * <p>All three kernels are direct loops, one output element per parallel iteration: the forward
 * pass and the input gradient gather (no scatter, no atomics), the weight gradient is a two-pass
 * reduction over the batch ({@link #backwardWeightsPartial}, then {@link ReduceKernels#sumGroups}).
 * Padding is never materialised: each loop is clipped to the part of the window inside the image.
 */
public final class ConvKernels {

    private ConvKernels() {
    }

    /** in [n][c][h][w], weight [k][c][kh][kw] -> out [n][k][oh][ow]. */
    public static void forward(float[] in, float[] weight, float[] out,
                               int n, int c, int h, int w, int k, int kh, int kw,
                               int stride, int pad, int oh, int ow) {
        for (@Parallel int b = 0; b < n; b++) {
            for (@Parallel int co = 0; co < k; co++) {
                for (@Parallel int p = 0; p < oh * ow; p++) {
                    int oy = p / ow;
                    int ox = p - oy * ow;
                    int iy0 = oy * stride - pad;
                    int ix0 = ox * stride - pad;
                    // The part of the kernel window that lies inside the image; padding adds zeros.
                    int kyStart = Math.max(0, -iy0);
                    int kyEnd = Math.min(kh, h - iy0);
                    int kxStart = Math.max(0, -ix0);
                    int kxEnd = Math.min(kw, w - ix0);
                    float acc = 0f;
                    for (int ci = 0; ci < c; ci++) {
                        int inBase = ((b * c + ci) * h + iy0) * w + ix0; // in[b][ci][iy0][ix0]
                        int wBase = (co * c + ci) * kh * kw;            // weight[co][ci][0][0]
                        for (int ky = kyStart; ky < kyEnd; ky++) {
                            int inRow = inBase + ky * w;
                            int wRow = wBase + ky * kw;
                            for (int kx = kxStart; kx < kxEnd; kx++) {
                                acc += in[inRow + kx] * weight[wRow + kx];
                            }
                        }
                    }
                    out[(b * k + co) * oh * ow + p] = acc;
                }
            }
        }
    }

    /**
     * gradOut [n][k][oh][ow], weight [k][c][kh][kw] -> gradIn [n][c][h][w]. A gather: input pixel
     * (y, x) receives {@code gradOut[oy][ox] * weight[ky][kx]} wherever {@code oy * stride + ky = y + pad}
     * and {@code ox * stride + kx = x + pad}, summed over the output channels.
     */
    public static void backwardData(float[] gradOut, float[] weight, float[] gradIn,
                                    int n, int c, int h, int w, int k, int kh, int kw,
                                    int stride, int pad, int oh, int ow) {
        for (@Parallel int b = 0; b < n; b++) {
            for (@Parallel int ci = 0; ci < c; ci++) {
                for (@Parallel int p = 0; p < h * w; p++) {
                    int y = p / w;
                    int x = p - y * w;
                    int yp = y + pad;
                    int xp = x + pad;
                    int outPlane = oh * ow;
                    int weightStride = c * kh * kw;
                    // ky runs over the kernel rows with (yp - ky) divisible by stride and >= 0.
                    int kyEnd = Math.min(kh, yp + 1);
                    int kxEnd = Math.min(kw, xp + 1);
                    float acc = 0f;
                    for (int ky = yp % stride; ky < kyEnd; ky += stride) {
                        int oy = (yp - ky) / stride;
                        if (oy < oh) {
                            for (int kx = xp % stride; kx < kxEnd; kx += stride) {
                                int ox = (xp - kx) / stride;
                                if (ox < ow) {
                                    int g = (b * k * oh + oy) * ow + ox; // gradOut[b][0][oy][ox]
                                    int wi = (ci * kh + ky) * kw + kx;   // weight[0][ci][ky][kx]
                                    for (int co = 0; co < k; co++) {
                                        acc += gradOut[g + co * outPlane] * weight[wi + co * weightStride];
                                    }
                                }
                            }
                        }
                    }
                    gradIn[(b * c + ci) * h * w + p] = acc;
                }
            }
        }
    }

    /**
     * in [n][c][h][w], gradOut [n][k][oh][ow] -> partial [groups][k*c*kh*kw]: group g sums the
     * weight gradient over the images b with {@code b % groups == g} (1 <= groups <= n). Finish with
     * {@code ReduceKernels.sumGroups(partial, gradWeight, groups, k*c*kh*kw)}.
     */
    public static void backwardWeightsPartial(float[] in, float[] gradOut, float[] partial,
                                              int n, int c, int h, int w, int k, int kh, int kw,
                                              int stride, int pad, int oh, int ow, int groups) {
        for (@Parallel int g = 0; g < groups; g++) {
            for (@Parallel int wi = 0; wi < k * c * kh * kw; wi++) {
                int kx = wi % kw;
                int ky = (wi / kw) % kh;
                int ci = (wi / (kw * kh)) % c;
                int co = wi / (kw * kh * c);
                // Output pixels whose tap (ky, kx) reads inside the image:
                // 0 <= oy * stride - pad + ky < h, i.e. ceil((pad - ky) / stride) <= oy < ceil((h + pad - ky) / stride).
                // (Integer division truncates towards zero; the clamps make the negative cases right.)
                int oyStart = Math.max(0, (pad - ky + stride - 1) / stride);
                int oyEnd = Math.min(oh, (h + pad - ky + stride - 1) / stride);
                int oxStart = Math.max(0, (pad - kx + stride - 1) / stride);
                int oxEnd = Math.min(ow, (w + pad - kx + stride - 1) / stride);
                float acc = 0f;
                for (int b = g; b < n; b += groups) {
                    int inBase = ((b * c + ci) * h + ky - pad) * w + kx - pad; // in[b][ci][ky-pad][kx-pad]
                    int gBase = (b * k + co) * oh * ow;                         // gradOut[b][co][0][0]
                    for (int oy = oyStart; oy < oyEnd; oy++) {
                        int inRow = inBase + oy * stride * w;
                        int gRow = gBase + oy * ow;
                        for (int ox = oxStart; ox < oxEnd; ox++) {
                            acc += in[inRow + ox * stride] * gradOut[gRow + ox];
                        }
                    }
                }
                partial[g * k * c * kh * kw + wi] = acc;
            }
        }
    }
}
