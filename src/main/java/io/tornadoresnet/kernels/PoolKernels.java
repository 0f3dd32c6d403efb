package io.tornadoresnet.kernels;

import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * Pooling, as PyTorch's {@code nn.MaxPool2d(size, stride, pad)} (the ResNet stem's 3x3, stride 2,
 * pad 1) and {@code nn.AdaptiveAvgPool2d(1)} (the global average pool before the classifier).
 *
 * <p>Max pooling treats padding as minus infinity (it never wins), takes the first maximum in
 * row-major window order and records it in {@code argmax} as {@code iy * w + ix} within the
 * channel's plane, so that the backward pass can gather without scattering. As in PyTorch's CPU
 * kernel, a NaN in the window wins (it propagates), and a window of minus infinities reports its
 * first pixel. {@code oh = (h + 2 pad - size) / stride + 1} and likewise ow; pad <= size / 2.
 */
public final class PoolKernels {

    private PoolKernels() {
    }

    /** in [n][c][h][w] -> out [n][c][oh][ow] and argmax [n][c][oh][ow] (the index iy*w+ix of the first maximum). */
    public static void maxForward(float[] in, float[] out, int[] argmax, int n, int c, int h, int w, int oh, int ow,
                                  int size, int stride, int pad) {
        for (@Parallel int b = 0; b < n; b++) {
            for (@Parallel int ch = 0; ch < c; ch++) {
                for (@Parallel int p = 0; p < oh * ow; p++) {
                    int oy = p / ow;
                    int ox = p - oy * ow;
                    // The window clipped to the image: padding never wins.
                    int iyStart = Math.max(0, oy * stride - pad);
                    int iyEnd = Math.min(h, oy * stride - pad + size);
                    int ixStart = Math.max(0, ox * stride - pad);
                    int ixEnd = Math.min(w, ox * stride - pad + size);
                    int base = (b * c + ch) * h * w;
                    float best = Float.NEGATIVE_INFINITY;
                    int bestIndex = iyStart * w + ixStart;
                    for (int iy = iyStart; iy < iyEnd; iy++) {
                        for (int ix = ixStart; ix < ixEnd; ix++) {
                            float v = in[base + iy * w + ix];
                            if (v > best || v != v) { // strictly greater: the first maximum wins; NaN wins
                                best = v;
                                bestIndex = iy * w + ix;
                            }
                        }
                    }
                    int o = (b * c + ch) * oh * ow + p;
                    out[o] = best;
                    argmax[o] = bestIndex;
                }
            }
        }
    }

    /**
     * gradOut, argmax [n][c][oh][ow] -> gradIn [n][c][h][w]: each input pixel gathers the gradients of the
     * output windows that cover it and whose argmax it is.
     */
    public static void maxBackward(float[] gradOut, int[] argmax, float[] gradIn, int n, int c, int h, int w,
                                   int oh, int ow, int size, int stride, int pad) {
        for (@Parallel int b = 0; b < n; b++) {
            for (@Parallel int ch = 0; ch < c; ch++) {
                for (@Parallel int p = 0; p < h * w; p++) {
                    int iy = p / w;
                    int ix = p - iy * w;
                    // Windows covering iy: oy * stride - pad <= iy <= oy * stride - pad + size - 1, so
                    // ceil((iy + pad - size + 1) / stride) <= oy <= (iy + pad) / stride (clamped to [0, oh)).
                    int oyStart = Math.max(0, (iy + pad - size + stride) / stride);
                    int oyEnd = Math.min(oh, (iy + pad) / stride + 1);
                    int oxStart = Math.max(0, (ix + pad - size + stride) / stride);
                    int oxEnd = Math.min(ow, (ix + pad) / stride + 1);
                    int base = (b * c + ch) * oh * ow;
                    float acc = 0f;
                    for (int oy = oyStart; oy < oyEnd; oy++) {
                        for (int ox = oxStart; ox < oxEnd; ox++) {
                            int o = base + oy * ow + ox;
                            if (argmax[o] == p) {
                                acc += gradOut[o];
                            }
                        }
                    }
                    gradIn[(b * c + ch) * h * w + p] = acc;
                }
            }
        }
    }

    /** Global average pool: in [n][c][hw] -> out [n][c], {@code out[b][ch] = mean_p in[b][ch][p]}. */
    public static void avgForward(float[] in, float[] out, int n, int c, int hw) {
        for (@Parallel int b = 0; b < n; b++) {
            for (@Parallel int ch = 0; ch < c; ch++) {
                int base = (b * c + ch) * hw;
                float acc = 0f;
                for (int p = 0; p < hw; p++) {
                    acc += in[base + p];
                }
                out[b * c + ch] = acc / (float) hw;
            }
        }
    }

    /** gradOut [n][c] -> gradIn [n][c][hw]: {@code gradIn[b][ch][p] = gradOut[b][ch] / hw}. */
    public static void avgBackward(float[] gradOut, float[] gradIn, int n, int c, int hw) {
        for (@Parallel int b = 0; b < n; b++) {
            for (@Parallel int ch = 0; ch < c; ch++) {
                for (@Parallel int p = 0; p < hw; p++) {
                    gradIn[(b * c + ch) * hw + p] = gradOut[b * c + ch] / (float) hw;
                }
            }
        }
    }
}
