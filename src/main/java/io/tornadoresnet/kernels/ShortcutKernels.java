package io.tornadoresnet.kernels;

import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * The parameter-free shortcut of the paper's option A (He et al., 2016, Sec. 3.3 and 4.2): where a
 * residual block changes shape, the shortcut subsamples the input by the stride and pads the
 * channels with zeros, {@code padLow} below and {@code k - c - padLow} above (k >= c). With the
 * usual {@code padLow = (k - c) / 2} this is the common PyTorch CIFAR implementation
 * {@code F.pad(x[:, :, ::s, ::s], (0, 0, 0, 0, (k - c) // 2, k - c - (k - c) // 2))};
 * then {@code oh = ceil(h / stride)}, {@code ow = ceil(w / stride)}.
 */
public final class ShortcutKernels {

    private ShortcutKernels() {
    }

    /**
     * in [n][c][h][w] -> out [n][k][oh][ow]:
     * {@code out[b][co][oy][ox] = in[b][co - padLow][oy * stride][ox * stride]} for {@code co - padLow} in [0, c), else 0.
     */
    public static void forward(float[] in, float[] out, int n, int c, int h, int w, int k, int oh, int ow,
                               int stride, int padLow) {
        for (@Parallel int b = 0; b < n; b++) {
            for (@Parallel int co = 0; co < k; co++) {
                for (@Parallel int p = 0; p < oh * ow; p++) {
                    int oy = p / ow;
                    int ox = p - oy * ow;
                    int ci = co - padLow;
                    float v = 0f;
                    if (ci >= 0 && ci < c) {
                        v = in[((b * c + ci) * h + oy * stride) * w + ox * stride];
                    }
                    out[(b * k + co) * oh * ow + p] = v;
                }
            }
        }
    }

    /**
     * gradOut [n][k][oh][ow] -> gradIn [n][c][h][w]: {@code gradIn[b][ci][y][x] = gradOut[b][ci + padLow][y / stride][x / stride]}
     * where y and x are multiples of the stride inside the output, else 0.
     */
    public static void backward(float[] gradOut, float[] gradIn, int n, int c, int h, int w, int k, int oh, int ow,
                                int stride, int padLow) {
        for (@Parallel int b = 0; b < n; b++) {
            for (@Parallel int ci = 0; ci < c; ci++) {
                for (@Parallel int p = 0; p < h * w; p++) {
                    int y = p / w;
                    int x = p - y * w;
                    int oy = y / stride;
                    int ox = x / stride;
                    float v = 0f;
                    if (y == oy * stride && x == ox * stride && oy < oh && ox < ow) {
                        v = gradOut[((b * k + ci + padLow) * oh + oy) * ow + ox];
                    }
                    gradIn[(b * c + ci) * h * w + p] = v;
                }
            }
        }
    }
}
