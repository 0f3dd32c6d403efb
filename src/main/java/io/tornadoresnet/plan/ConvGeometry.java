package io.tornadoresnet.plan;

/**
 * The shape of one convolution: input [n][c][h][w], weight [k][c][kh][kw], output [n][k][oh][ow].
 * Stride and padding are the same along both spatial axes, as in every ResNet.
 */
public record ConvGeometry(int n, int c, int h, int w, int k, int kh, int kw, int stride, int pad) {

    public ConvGeometry {
        if (n <= 0 || c <= 0 || h <= 0 || w <= 0 || k <= 0 || kh <= 0 || kw <= 0 || stride <= 0 || pad < 0) {
            throw new IllegalArgumentException("invalid convolution " + describe(n, c, h, w, k, kh, kw, stride, pad));
        }
        if (h + 2 * pad < kh || w + 2 * pad < kw) {
            throw new IllegalArgumentException("kernel larger than padded input: " + describe(n, c, h, w, k, kh, kw, stride, pad));
        }
    }

    public int oh() {
        return (h + 2 * pad - kh) / stride + 1;
    }

    public int ow() {
        return (w + 2 * pad - kw) / stride + 1;
    }

    public int weightSize() {
        return k * c * kh * kw;
    }

    /** Multiply-adds of the forward pass. */
    public long macs() {
        return (long) n * k * oh() * ow() * c * kh * kw;
    }

    private static String describe(int n, int c, int h, int w, int k, int kh, int kw, int stride, int pad) {
        return n + "x" + c + "x" + h + "x" + w + " -> " + k + " channels, kernel " + kh + "x" + kw
                + ", stride " + stride + ", pad " + pad;
    }
}
