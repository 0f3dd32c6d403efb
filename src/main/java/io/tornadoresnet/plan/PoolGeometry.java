package io.tornadoresnet.plan;

/** A max-pooling window over input [n][c][h][w]; output [n][c][oh][ow]. */
public record PoolGeometry(int n, int c, int h, int w, int size, int stride, int pad) {

    public PoolGeometry {
        if (size <= 0 || stride <= 0 || pad < 0 || 2 * pad > size) {
            throw new IllegalArgumentException("invalid pooling window " + size + "/" + stride + " pad " + pad);
        }
    }

    public int oh() {
        return (h + 2 * pad - size) / stride + 1;
    }

    public int ow() {
        return (w + 2 * pad - size) / stride + 1;
    }
}
