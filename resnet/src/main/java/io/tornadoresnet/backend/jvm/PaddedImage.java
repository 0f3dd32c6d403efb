package io.tornadoresnet.backend.jvm;

/**
 * The layout that makes the im2col matrix of a stride-1 convolution a table of offsets into one
 * buffer, so that it never has to be written out (9 floats per input float for a 3x3 kernel). Each
 * channel is a plane of rows {@code rowStride = width + padX} long: {@code padX} zeros, then the image
 * row; the zeros at the start of a row also serve as the right padding of the row before. An output
 * pixel (oy, ox) sits at grid index {@code oy * rowStride + ox} and its tap (ci, ky, kx) reads
 * {@code taps[(ci * kh + ky) * kw + kx] + oy * rowStride + ox}: for a fixed tap, consecutive grid
 * indices are consecutive floats. The grid has {@code rowStride - outWidth} junk columns per row,
 * computed and thrown away (3% more work on a 32-wide image, 12% on an 8-wide one).
 *
 * <p>The padding is never written: a buffer starts as zeros and {@link #load} writes only image
 * pixels, at the same places every time.
 */
final class PaddedImage {
    final int channels, height, width, kh, kw, padY, padX;
    final int outHeight, outWidth;
    final int rowStride;
    final int plane;
    /** Offset of row (ci, ky, kx) of the im2col matrix. */
    final int[] taps;
    /** Floats in a buffer, with room for the matrix product to read a little past the last row. */
    final int size;

    /** The input of a stride-1 convolution with the given kernel and padding; needs padX < kw. */
    PaddedImage(int channels, int height, int width, int kh, int kw, int padY, int padX) {
        if (padX >= kw || padY < 0 || padX < 0) {
            throw new IllegalArgumentException("padding " + padY + "x" + padX + " does not fit kernel " + kh + "x" + kw);
        }
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.kh = kh;
        this.kw = kw;
        this.padY = padY;
        this.padX = padX;
        this.outHeight = height + 2 * padY - kh + 1;
        this.outWidth = width + 2 * padX - kw + 1;
        this.rowStride = width + padX;
        // One more row: the junk columns of the last output row read into it.
        this.plane = (height + 2 * padY + 1) * rowStride;
        this.taps = new int[channels * kh * kw];
        for (int ci = 0; ci < channels; ci++) {
            for (int ky = 0; ky < kh; ky++) {
                for (int kx = 0; kx < kw; kx++) {
                    taps[(ci * kh + ky) * kw + kx] = ci * plane + ky * rowStride + kx;
                }
            }
        }
        this.size = channels * plane + Gemm.overread();
    }

    /** Grid floats of {@code rows} output rows. */
    int gridSize(int rows) {
        return rows * rowStride;
    }

    /**
     * Copies into {@code padded} the image rows (of {@code image[channels][height][width]} from
     * {@code imageOff}) that output rows {@code [oy0, oy1)} read.
     */
    void load(float[] image, int imageOff, int oy0, int oy1, float[] padded) {
        int y0 = Math.max(0, oy0 - padY);
        int y1 = Math.min(height, oy1 + kh - 1 - padY);
        for (int ci = 0; ci < channels; ci++) {
            for (int y = y0; y < y1; y++) {
                System.arraycopy(image, imageOff + (ci * height + y) * width,
                        padded, ci * plane + (y + padY) * rowStride + padX, width);
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
    void spread(float[] out, int outOff, int count, int oy0, int oy1, float[] grid, int gridStride) {
        for (int ch = 0; ch < count; ch++) {
            for (int oy = oy0; oy < oy1; oy++) {
                System.arraycopy(out, outOff + (ch * outHeight + oy) * outWidth,
                        grid, ch * gridStride + (oy - oy0) * rowStride, outWidth);
            }
        }
    }
}
