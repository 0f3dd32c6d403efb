package io.tornadoresnet.backend.jvm;

/**
 * The layout that makes the im2col matrix of a convolution a table of offsets into one buffer, so
 * that it is never written out (it holds kh*kw/stride^2 floats per input float: 9 for a 3x3 kernel).
 *
 * <p>A strided convolution is first split into phases: phase (ry, rx) of a channel holds the pixels
 * (y, x) with {@code y % stride == ry} and {@code x % stride == rx}, at (y / stride, x / stride). Tap
 * (ky, kx) of output pixel (oy, ox) then reads phase ((ky - padY) mod stride, (kx - padX) mod stride)
 * at (oy + qy, ox + qx), {@code qy = floor((ky - padY) / stride)}: a stride-1 read in that phase.
 * With stride 1 there is one phase, the image itself.
 *
 * <p>Each phase plane is zero-padded, its rows {@code rowStride} floats apart: {@code padX} zeros,
 * then the pixels; the zeros at the start of a row also serve as the right padding of the row before.
 * Output pixel (oy, ox) sits at grid index {@code oy * rowStride + ox}, and its tap (ci, ky, kx) reads
 * {@code taps[(ci * kh + ky) * kw + kx] + oy * rowStride + ox}: for a fixed tap, consecutive grid
 * indices are consecutive floats. The grid has {@code rowStride - outWidth} junk columns per row,
 * computed and thrown away (3% more work on a 32-wide image, 12% on an 8-wide one), except by products
 * that read the rows of the output pixels only ({@link #outputPixels}).
 *
 * <p>The padding is never written: a buffer starts as zeros and {@link #load} writes only pixels, at
 * the same places every time.
 */
final class PaddedImage {
    private static final boolean VECTORS = VectorApi.available();

    final int channels, height, width, kh, kw, stride;
    final int outHeight, outWidth;
    final int rowStride;
    /** Floats per phase plane. */
    final int plane;
    /** Offset of row (ci, ky, kx) of the im2col matrix. */
    final int[] taps;
    /** Grid index of output pixel (oy, ox), {@code oy * rowStride + ox}, at {@code oy * outWidth + ox}. */
    final int[] outputPixels;
    /** Floats in a buffer, with room for the matrix product to read a little past the last row. */
    final int size;

    /** Zero rows and columns before the pixels of a phase plane. */
    private final int padTop, padLeft;
    /** The first and last phase row (relative to the output row) any tap reads. */
    private final int reachUp, reachDown;
    /** Whether some tap reads phase [ry * stride + rx]; the others are never loaded. */
    private final boolean[] phaseUsed;

    /**
     * The input of a convolution with the given kernel, stride and padding; fails (see {@link #fits})
     * when the output is wider than a padded row.
     */
    PaddedImage(int channels, int height, int width, int kh, int kw, int stride, int padY, int padX) {
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.kh = kh;
        this.kw = kw;
        this.stride = stride;
        this.outHeight = (height + 2 * padY - kh) / stride + 1;
        this.outWidth = (width + 2 * padX - kw) / stride + 1;
        int phaseHeight = ceilDiv(height, stride);
        int phaseWidth = ceilDiv(width, stride);
        this.reachUp = Math.floorDiv(-padY, stride);
        this.reachDown = Math.floorDiv(kh - 1 - padY, stride);
        int reachLeft = Math.floorDiv(-padX, stride);
        int reachRight = Math.floorDiv(kw - 1 - padX, stride);
        this.padTop = -reachUp;
        int padBottom = Math.max(0, outHeight - 1 + reachDown - (phaseHeight - 1));
        this.padLeft = Math.max(-reachLeft, Math.max(0, outWidth - 1 + reachRight - (phaseWidth - 1)));
        this.rowStride = phaseWidth + padLeft;
        if (!fits(height, width, kh, kw, stride, padY, padX)) {
            throw new IllegalArgumentException("output " + outWidth + " wider than a padded row of " + rowStride);
        }
        // One more row: the junk columns of the last output row read into it.
        this.plane = (padTop + phaseHeight + padBottom + 1) * rowStride;
        this.phaseUsed = new boolean[stride * stride];
        this.taps = new int[channels * kh * kw];
        for (int ci = 0; ci < channels; ci++) {
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                    int ry = Math.floorMod(ky - padY, stride);
                    int rx = Math.floorMod(kx - padX, stride);
                    int qy = Math.floorDiv(ky - padY, stride);
                    int qx = Math.floorDiv(kx - padX, stride);
                    phaseUsed[ry * stride + rx] = true;
                    taps[(ci * kh + ky) * kw + kx] = phaseBase(ci, ry, rx) + (qy + padTop) * rowStride + qx + padLeft;
                }
            }
        }
        this.outputPixels = new int[outHeight * outWidth];
        for (int oy = 0; oy < outHeight; oy++) {
            for (int ox = 0; ox < outWidth; ox++) {
                outputPixels[oy * outWidth + ox] = oy * rowStride + ox;
            }
        }
        this.size = channels * stride * stride * plane + Gemm.overread();
    }

    /** Whether the output of such a convolution fits in a padded row, so that this layout applies. */
    static boolean fits(int height, int width, int kh, int kw, int stride, int padY, int padX) {
        if (padY < 0 || padX < 0 || height + 2 * padY < kh || width + 2 * padX < kw) {
            return false;
        }
        int outWidth = (width + 2 * padX - kw) / stride + 1;
        int phaseWidth = ceilDiv(width, stride);
        int reachLeft = Math.floorDiv(-padX, stride);
        int reachRight = Math.floorDiv(kw - 1 - padX, stride);
        int padLeft = Math.max(-reachLeft, Math.max(0, outWidth - 1 + reachRight - (phaseWidth - 1)));
        return outWidth <= phaseWidth + padLeft;
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private int phaseBase(int ci, int ry, int rx) {
        return ((ci * stride + ry) * stride + rx) * plane;
    }

    /** Grid floats of {@code rows} output rows. */
    int gridSize(int rows) {
        return rows * rowStride;
    }

    /**
     * Copies into {@code padded} the pixels (of {@code image[channels][height][width]} from
     * {@code imageOff}) that output rows {@code [oy0, oy1)} read.
     */
    void load(float[] image, int imageOff, int oy0, int oy1, float[] padded) {
        int y0 = Math.max(0, (oy0 + reachUp) * stride);
        int y1 = Math.min(height, (oy1 + reachDown) * stride);
        for (int ci = 0; ci < channels; ci++) {
            for (int y = y0; y < y1; y++) {
                int ry = y % stride;
                int src = imageOff + (ci * height + y) * width;
                int row = (y / stride + padTop) * rowStride + padLeft;
                if (stride == 1) {
                    if (VECTORS) {
                        VectorPointwise.copy(image, src, padded, phaseBase(ci, 0, 0) + row, width);
                    } else {
                        System.arraycopy(image, src, padded, phaseBase(ci, 0, 0) + row, width);
                    }
                    continue;
                }
                if (VECTORS && stride == 2 && phaseUsed[ry * 2] && phaseUsed[ry * 2 + 1]) {
                    VectorPointwise.deinterleave(image, src, width, padded, phaseBase(ci, ry, 0) + row,
                            phaseBase(ci, ry, 1) + row);
                    continue;
                }
                for (int rx = 0; rx < stride; rx++) {
                    if (!phaseUsed[ry * stride + rx]) {
                        continue;
                    }
                    int dst = phaseBase(ci, ry, rx) + row;
                    for (int x = rx; x < width; x += stride, dst++) {
                        padded[dst] = image[src + x];
                    }
                }
            }
        }
    }

    /**
     * Copies the real columns of {@code count} channels of output rows {@code [oy0, oy1)} from a grid
     * ({@code grid[channel][row - oy0][rowStride]}, channel stride {@code gridStride}) into
     * {@code out[count][outHeight][outWidth]} from {@code outOff}.
     */
    void extract(float[] grid, int gridStride, int count, int oy0, int oy1, float[] out, int outOff) {
        for (int ch = 0; ch < count; ch++) {
            for (int oy = oy0; oy < oy1; oy++) {
                System.arraycopy(grid, ch * gridStride + (oy - oy0) * rowStride,
                        out, outOff + (ch * outHeight + oy) * outWidth, outWidth);
            }
        }
    }

    /** The reverse of {@link #extract}: the junk columns of the grid are left as they are. */
    void spread(float[] out, int outOff, int count, int oy0, int oy1, float[] grid, int gridOff, int gridStride) {
        for (int ch = 0; ch < count; ch++) {
            for (int oy = oy0; oy < oy1; oy++) {
                System.arraycopy(out, outOff + (ch * outHeight + oy) * outWidth,
                        grid, gridOff + ch * gridStride + (oy - oy0) * rowStride, outWidth);
            }
        }
    }
}
