package io.tornadoresnet.backend.jvm;

import java.util.Arrays;

/**
 * The column layout that turns a convolution into a matrix product: row {@code (ci, ky, kx)} of the
 * column matrix holds, for every output pixel, the input pixel that tap (ky, kx) of channel ci reads
 * (zero in the padding), so that {@code out[k][pixels] = weight[k][c*kh*kw] * columns[c*kh*kw][pixels]}.
 */
final class Im2col {
    private static final boolean VECTORS = VectorApi.available();

    private Im2col() {
    }

    /**
     * Writes the columns of output rows {@code [oy0, oy1)} of one image ({@code in[c][h][w]} from
     * {@code inOff}) into {@code columns[c*kh*kw][(oy1 - oy0) * ow]}.
     */
    static void expand(float[] in, int inOff, int c, int h, int w, int kh, int kw, int stride, int pad,
                       int ow, int oy0, int oy1, float[] columns) {
        int pixels = (oy1 - oy0) * ow;
        int dst = 0;
        for (int ci = 0; ci < c; ci++) {
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                    int oxStart = firstInside(kx, pad, stride, ow);
                    int oxEnd = Math.max(oxStart, firstInside(kx - w, pad, stride, ow));
                    for (int oy = oy0; oy < oy1; oy++, dst += ow) {
                        int iy = oy * stride - pad + ky;
                        if (iy < 0 || iy >= h) {
                            Arrays.fill(columns, dst, dst + ow, 0f);
                            continue;
                        }
                        Arrays.fill(columns, dst, dst + oxStart, 0f);
                        int src = inOff + (ci * h + iy) * w + oxStart * stride - pad + kx;
                        if (stride == 1) {
                            System.arraycopy(in, src, columns, dst + oxStart, oxEnd - oxStart);
                        } else {
                            for (int ox = oxStart; ox < oxEnd; ox++, src += stride) {
                                columns[dst + ox] = in[src];
                            }
                        }
                        Arrays.fill(columns, dst + oxEnd, dst + ow, 0f);
                    }
                }
            }
        }
        assert dst == c * kh * kw * pixels;
    }

    /**
     * The adjoint of {@link #expand} over whole images: overwrites {@code out[c][h][w]} (from
     * {@code outOff}) with the sum, over the taps that read each input pixel, of
     * {@code columns[c*kh*kw][oh*ow]}.
     */
    static void fold(float[] columns, int c, int h, int w, int kh, int kw, int stride, int pad,
                     int oh, int ow, float[] out, int outOff) {
        Arrays.fill(out, outOff, outOff + c * h * w, 0f);
        int src = 0;
        for (int ci = 0; ci < c; ci++) {
            int planeEnd = outOff + (ci + 1) * h * w;
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                    int oxStart = firstInside(kx, pad, stride, ow);
                    int oxEnd = Math.max(oxStart, firstInside(kx - w, pad, stride, ow));
                    for (int oy = 0; oy < oh; oy++, src += ow) {
                        int iy = oy * stride - pad + ky;
                        if (iy < 0 || iy >= h) {
                            continue;
                        }
                        int dst = outOff + (ci * h + iy) * w + oxStart * stride - pad + kx;
                        if (stride == 1) {
                            for (int ox = oxStart; ox < oxEnd; ox++, dst++) {
                                out[dst] += columns[src + ox];
                            }
                        } else if (VECTORS && stride == 2 && dst + 2 * (oxEnd - oxStart) <= planeEnd) {
                            // The vectors reach one float past the last pixel added to: still this channel's plane.
                            VectorPointwise.addAtEvenPlaces(columns, src + oxStart, oxEnd - oxStart, out, dst);
                        } else {
                            for (int ox = oxStart; ox < oxEnd; ox++, dst += stride) {
                                out[dst] += columns[src + ox];
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * The first output column whose tap at offset {@code kx} reads at or right of input column 0,
     * i.e. the least ox >= 0 with {@code ox * stride - pad + kx >= 0}, at most ow. Called with
     * {@code kx - w} it gives the first column that reads past the right edge.
     */
    private static int firstInside(int kx, int pad, int stride, int ow) {
        int ox = -Math.floorDiv(kx - pad, stride); // ceil((pad - kx) / stride)
        return Math.min(ow, Math.max(0, ox));
    }
}
