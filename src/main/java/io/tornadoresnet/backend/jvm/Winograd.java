package io.tornadoresnet.backend.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * A 3x3 convolution at stride 1 with padding 1 by Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray,
 * "Fast Algorithms for Convolutional Neural Networks", CVPR 2016): each 2x2 tile of output is
 * {@code A^T [(G g G^T) . (B^T d B)] A}, d the 4x4 tile of padded input around it and g the 3x3 kernel.
 * Summed over input channels, the element-wise products become 16 matrix products, one per place of the
 * 4x4 tile, [out][in] times [in][tiles]: 16 multiplies per tile and channel pair where the direct
 * convolution takes 36. The transforms only add, subtract and halve; the results differ from the direct
 * sums by float round-off.
 *
 * <p>Input [n][in][h][w], output [n][out][h][w]. Tiles run along the vectors' lanes. The input transform
 * takes a row of tiles at a time from the padded input split into its even and odd columns, where the
 * four columns of every tile of the row are four loads; the output transform interleaves the even and
 * odd columns of each output row back. The products read the transformed input in place
 * ({@link Gemm#multiplyGatheredRows}). A work item is a band of tile rows of one image, or a few whole
 * images where an image has few tiles; each worker owns its buffers, sized to stay in its L2.
 * Loaded only when {@link VectorApi#available()}.
 */
final class Winograd {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Places of a transformed 4x4 tile: one matrix product each. */
    private static final int PLACES = 16;
    /** Lanes of {@code (even, odd)} interleaved: the first halves of both, then the second halves. */
    private static final VectorShuffle<Float> ZIP_LOW = VectorShuffle.fromOp(S,
            lane -> lane % 2 == 0 ? lane / 2 : L + lane / 2);
    private static final VectorShuffle<Float> ZIP_HIGH = VectorShuffle.fromOp(S,
            lane -> lane % 2 == 0 ? L / 2 + lane / 2 : L + L / 2 + lane / 2);

    private final int n, in, out, h, w;
    private final int tilesY, tilesX;
    /** Bands of tile rows per image, and images per work item: one of the two is 1. */
    private final int bands, imagesPerItem;
    /** Floats between the rows of an item's transformed input and of its products: its tiles in whole vectors. */
    private final int tileStride;
    /** Row ci of the transformed input at place p: {@code p * in * tileStride + channelRows[ci]}. */
    private final int[] channelRows;
    /** Floats of each half (even or odd columns) of a padded row. */
    private final int halfStride;
    /** The kernel transformed, [place][out][in], each place packed in groups of rows ({@link Gemm#rowGroupIndex}). */
    private final float[][] kernel;
    /** Per worker: the transformed input [place][in][tileStride] and the products [place][out][tileStride]. */
    private final float[][] transformed, products;
    /** Per worker: one channel's padded rows of a band, each as its even columns, then its odd ones. */
    private final float[][] splitRows;
    /** Per worker: the transforms half done, along the padded rows or down the tiles' columns. */
    private final float[][] scratch;

    /**
     * Whether a convolution of this shape runs by this class: 3x3, stride 1, padding 1, output channels in
     * whole groups of the products' rows, and enough channels and pixels to pay for the transforms. With
     * 64 or more channels each way on images of 14x14 and up (the stages of ImageNet ResNets but the last;
     * one thread, forward and input gradient) it took 0.4-0.8x the time of the other ways; with 16 to 64
     * channels (ResNet-20's stages) 0.8-1.4x, where the transforms weigh as much as the products, and
     * 0.9x with 512 channels on 7x7 images. Not on Java 17, whose masked tiles allocate
     * ({@link VectorApi#masksCompiled}).
     */
    static boolean takes(int in, int out, int h, int w, int kh, int kw, int stride, int pad) {
        return kh == 3 && kw == 3 && stride == 1 && pad == 1 && out % Gemm.ROW_GROUP == 0
                && Math.min(in, out) >= 64 && Math.min(h, w) >= 14 && VectorApi.masksCompiled();
    }

    /**
     * Workspaces for {@code workers} workers: a pass of n images of [in][h][w] into [out][h][w], each item's
     * transformed input and products within {@code budget} floats where two vectors of tiles fit it.
     */
    Winograd(int n, int in, int out, int h, int w, int workers, int budget) {
        this.n = n;
        this.in = in;
        this.out = out;
        this.h = h;
        this.w = w;
        this.tilesY = (h + 1) / 2;
        this.tilesX = (w + 1) / 2;
        int perImage = tilesY * tilesX;
        // At least two vectors of tiles, what the products' kernel takes at a time, even past the budget.
        int maxTiles = Math.max(Math.max(tilesX, 2 * L), budget / (PLACES * (in + out)));
        int minBands = (workers + n - 1) / n;
        if (perImage <= maxTiles && minBands == 1) {
            // Whole images, as many as the budget holds, leaving at least two items per worker.
            bands = 1;
            imagesPerItem = Math.max(1, Math.min(maxTiles / perImage, n / (2 * workers)));
        } else {
            int rowsPerBand = Math.max(1, maxTiles / tilesX);
            bands = Math.min(tilesY, Math.max(minBands, (tilesY + rowsPerBand - 1) / rowsPerBand));
            imagesPerItem = 1;
        }
        int itemTiles = imagesPerItem > 1 ? imagesPerItem * perImage : (tilesY + bands - 1) / bands * tilesX;
        // One vector more than the tiles: rows a power of two apart would share the few L1 sets their
        // addresses map to, and the 16 places' rows evict each other.
        this.tileStride = roundUp(itemTiles) + L;
        this.channelRows = new int[in];
        for (int ci = 0; ci < in; ci++) {
            channelRows[ci] = ci * tileStride;
        }
        this.halfStride = roundUp(tilesX + 1);
        this.kernel = new float[PLACES][out * in];
        int bandRows = 2 * ((tilesY + bands - 1) / bands) + 2;
        this.transformed = new float[workers][PLACES * in * tileStride];
        this.products = new float[workers][PLACES * out * tileStride];
        this.splitRows = new float[workers][bandRows * 2 * halfStride];
        this.scratch = new float[workers][bandRows * 4 * L];
    }

    private static int roundUp(int floats) {
        return (floats + L - 1) / L * L;
    }

    /** Work items of a pass: bands of tile rows, or groups of images. */
    int items() {
        return imagesPerItem > 1 ? (n + imagesPerItem - 1) / imagesPerItem : n * bands;
    }

    /** Segments the epilogue sees, numbered image * bands + band: each (segment, channel) once a pass. */
    int tiles() {
        return n * bands;
    }

    /**
     * Output channels [from, to) of the transformed kernel from weight [out][in][3][3]; or, {@code rotated},
     * from weight [in][out][3][3] turned by 180 degrees: the kernel of a convolution's input gradient.
     */
    void transformKernel(float[] weight, boolean rotated, int from, int to) {
        for (int o = from; o < to; o++) {
            for (int i = 0; i < in; i++) {
                // Tap (y, x) of g at first + step * (3y + x): read backwards, the kernel turned by 180 degrees.
                int first = rotated ? (i * out + o) * 9 + 8 : (o * in + i) * 9;
                int step = rotated ? -1 : 1;
                int at = Gemm.rowGroupIndex(o, i, in);
                for (int y = 0; y < 4; y++) {
                    // Row y of G g, then that row times G^T.
                    float q0 = halfCombination(weight, first, step, y, 0);
                    float q1 = halfCombination(weight, first, step, y, 1);
                    float q2 = halfCombination(weight, first, step, y, 2);
                    kernel[4 * y][at] = q0;
                    kernel[4 * y + 1][at] = 0.5f * (q0 + q1 + q2);
                    kernel[4 * y + 2][at] = 0.5f * (q0 - q1 + q2);
                    kernel[4 * y + 3][at] = q2;
                }
            }
        }
    }

    /**
     * Element (y, x) of G g, G's rows being (1, 0, 0), (1/2, 1/2, 1/2), (1/2, -1/2, 1/2) and (0, 0, 1):
     * column x of g's first row, half the sum of the column, half its alternating sum, its last row.
     */
    private static float halfCombination(float[] weight, int first, int step, int y, int x) {
        float g0 = weight[first + step * x];
        float g1 = weight[first + step * (3 + x)];
        float g2 = weight[first + step * (6 + x)];
        return switch (y) {
            case 0 -> g0;
            case 1 -> 0.5f * (g0 + g1 + g2);
            case 2 -> 0.5f * (g0 - g1 + g2);
            default -> g2;
        };
    }

    /**
     * Item {@code item} of x [n][in][h][w] into y [n][out][h][w], with the last transformed kernel;
     * {@code epilogue}, when not null, follows each channel of each image's band.
     */
    void run(int item, float[] x, float[] y, Gemm gemm, int worker, TileEpilogue epilogue) {
        int b0, b1, band;
        if (imagesPerItem > 1) {
            b0 = item * imagesPerItem;
            b1 = Math.min(n, b0 + imagesPerItem);
            band = 0;
        } else {
            b0 = item / bands;
            b1 = b0 + 1;
            band = item % bands;
        }
        int ty0 = WorkerPool.rangeStart(tilesY, bands, band);
        int ty1 = WorkerPool.rangeStart(tilesY, bands, band + 1);
        int perImage = (ty1 - ty0) * tilesX;
        int width = roundUp((b1 - b0) * perImage);
        float[] v = transformed[worker];
        float[] m = products[worker];
        float[] split = splitRows[worker];
        int plane = h * w;
        for (int b = b0; b < b1; b++) {
            for (int ci = 0; ci < in; ci++) {
                splitColumns(x, (b * in + ci) * plane, ty0, ty1, split);
                transformInput(split, ty1 - ty0, v, channelRows[ci] + (b - b0) * perImage, scratch[worker]);
            }
        }
        for (int p = 0; p < PLACES; p++) {
            gemm.multiplyGatheredRows(out, 1, width, in, kernel[p], v, channelRows, p * in * tileStride, 0,
                    m, p * out * tileStride, tileStride);
        }
        int y0 = 2 * ty0;
        int y1 = Math.min(h, 2 * ty1);
        for (int b = b0; b < b1; b++) {
            for (int o = 0; o < out; o++) {
                int base = (b * out + o) * plane;
                transformOutput(m, o * tileStride + (b - b0) * perImage, ty0, ty1, y, base, scratch[worker]);
                if (epilogue != null) {
                    epilogue.apply(y, base + y0 * w, base + y1 * w, o, b * bands + band);
                }
            }
        }
    }

    /**
     * Padded rows 2 ty0 to 2 ty1 + 1 of one channel (input rows one less; rows outside the image are zeros),
     * each as its even columns (padded column 2j at j) and then its odd ones, {@link #halfStride} floats
     * each. Padded column 0 and the columns past the image are zeros: the buffer starts so, and only the
     * image's columns are ever written.
     */
    private void splitColumns(float[] x, int planeOffset, int ty0, int ty1, float[] split) {
        int rows = 2 * (ty1 - ty0) + 2;
        for (int r = 0; r < rows; r++) {
            int iy = 2 * ty0 + r - 1;
            int evens = 2 * r * halfStride;
            int odds = evens + halfStride;
            if (iy < 0 || iy >= h) {
                Arrays.fill(split, evens, evens + tilesX + 1, 0f);
                Arrays.fill(split, odds, odds + tilesX + 1, 0f);
            } else {
                // Image column x is padded column x + 1: even image columns are odd padded ones.
                VectorPointwise.deinterleave(x, planeOffset + iy * w, w, split, odds, evens + 1);
            }
        }
    }

    /**
     * B^T d B of every tile in {@code rows} tile rows of one channel, from its split padded rows, to
     * {@code v[place * in * tileStride + at + r * tilesX + tx]}: first along each padded row into
     * {@code scratch} (columns 2tx to 2tx + 3 are even[tx], odd[tx], even[tx + 1], odd[tx + 1]), then down
     * the four rows of each tile, each padded row's transform serving two tile rows. Small methods with few
     * vectors live: C1 gives up on one with dozens ("out of virtual registers"), and until C2 compiles it
     * the Vector API runs interpreted, hundreds of times slower.
     */
    private void transformInput(float[] split, int rows, float[] v, int at, float[] scratch) {
        int paddedRows = 2 * rows + 2;
        for (int tx = 0; tx < tilesX; tx += L) {
            for (int r = 0; r < paddedRows; r++) {
                transformRow(split, 2 * r * halfStride, tx, scratch, 4 * L * r);
            }
            for (int r = 0; r < rows; r++) {
                int t = at + r * tilesX;
                for (int column = 0; column < 4; column++) {
                    transformColumn(scratch, 8 * L * r + column * L, v, t + column * in * tileStride, tx);
                }
            }
        }
    }

    /**
     * One padded row's four column combinations for tiles [tx, tx + L) below {@link #tilesX}, B^T along the
     * row, into {@code u[at]} to {@code u[at + 4L]}. Masks are made where they are used: a mask passed to a
     * method that the JIT does not inline reaches it as an interface, and the Vector API then takes its
     * slow path.
     */
    private void transformRow(float[] split, int row, int tx, float[] u, int at) {
        VectorMask<Float> lanes = S.indexInRange(tx, tilesX);
        int evens = row + tx;
        int odds = evens + halfStride;
        FloatVector e0 = FloatVector.fromArray(S, split, evens, lanes);
        FloatVector e1 = FloatVector.fromArray(S, split, evens + 1, lanes);
        FloatVector o0 = FloatVector.fromArray(S, split, odds, lanes);
        FloatVector o1 = FloatVector.fromArray(S, split, odds + 1, lanes);
        e0.sub(e1).intoArray(u, at);
        o0.add(e1).intoArray(u, at + L);
        e1.sub(o0).intoArray(u, at + 2 * L);
        o0.sub(o1).intoArray(u, at + 3 * L);
    }

    /**
     * One column combination of a tile's four padded rows, whose row transforms start {@code 4L} floats
     * apart from {@code u[at]}, combined down the rows (B^T again): places column, 4 + column, 8 + column
     * and 12 + column of the transformed tile.
     */
    private void transformColumn(float[] u, int at, float[] v, int t, int tx) {
        VectorMask<Float> lanes = S.indexInRange(tx, tilesX);
        t += tx;
        int placeStride = in * tileStride;
        FloatVector r0 = FloatVector.fromArray(S, u, at);
        FloatVector r1 = FloatVector.fromArray(S, u, at + 4 * L);
        FloatVector r2 = FloatVector.fromArray(S, u, at + 8 * L);
        FloatVector r3 = FloatVector.fromArray(S, u, at + 12 * L);
        r0.sub(r2).intoArray(v, t, lanes);
        r1.add(r2).intoArray(v, t + 4 * placeStride, lanes);
        r2.sub(r1).intoArray(v, t + 8 * placeStride, lanes);
        r1.sub(r3).intoArray(v, t + 12 * placeStride, lanes);
    }

    /**
     * A^T M A of one output channel's tiles in tile rows [ty0, ty1), read from
     * {@code m[place * out * tileStride + at + (ty - ty0) * tilesX + tx]}, into the channel's plane at
     * {@code base} of y, the rows and columns past the image left out: first down the columns of each
     * tile into {@code scratch}, then along its two rows.
     */
    private void transformOutput(float[] m, int at, int ty0, int ty1, float[] y, int base, float[] scratch) {
        for (int ty = ty0; ty < ty1; ty++) {
            int t = at + (ty - ty0) * tilesX;
            int row = base + 2 * ty * w;
            for (int tx = 0; tx < tilesX; tx += L) {
                for (int column = 0; column < 4; column++) {
                    combineColumn(m, t + column * out * tileStride, tx, scratch, column * L);
                }
                int columns = w - 2 * tx;
                combineRow(scratch, 0, y, row + 2 * tx, columns);
                if (2 * ty + 1 < h) {
                    combineRow(scratch, 4 * L, y, row + w + 2 * tx, columns);
                }
            }
        }
    }

    /**
     * A^T down one column of a tile's products: rows 0 + 1 + 2 to {@code u[at]}, rows 1 - 2 - 3 to
     * {@code u[at + 4L]}.
     */
    private void combineColumn(float[] m, int p, int tx, float[] u, int at) {
        VectorMask<Float> lanes = S.indexInRange(tx, tilesX);
        p += tx;
        int placeStride = out * tileStride;
        FloatVector r0 = FloatVector.fromArray(S, m, p, lanes);
        FloatVector r1 = FloatVector.fromArray(S, m, p + 4 * placeStride, lanes);
        FloatVector r2 = FloatVector.fromArray(S, m, p + 8 * placeStride, lanes);
        FloatVector r3 = FloatVector.fromArray(S, m, p + 12 * placeStride, lanes);
        r0.add(r1).add(r2).intoArray(u, at);
        r1.sub(r2).sub(r3).intoArray(u, at + 4 * L);
    }

    /**
     * A^T along one row of combined columns (4 vectors from {@code u[at]}): an output row's even and odd
     * columns, interleaved, the first {@code columns} floats of it stored at {@code y[to]}.
     */
    private static void combineRow(float[] u, int at, float[] y, int to, int columns) {
        FloatVector c0 = FloatVector.fromArray(S, u, at);
        FloatVector c1 = FloatVector.fromArray(S, u, at + L);
        FloatVector c2 = FloatVector.fromArray(S, u, at + 2 * L);
        FloatVector c3 = FloatVector.fromArray(S, u, at + 3 * L);
        FloatVector even = c0.add(c1).add(c2);
        FloatVector odd = c1.sub(c2).sub(c3);
        even.rearrange(ZIP_LOW, odd).intoArray(y, to, S.indexInRange(0, columns));
        if (columns > L) {
            even.rearrange(ZIP_HIGH, odd).intoArray(y, to + L, S.indexInRange(0, columns - L));
        }
    }
}
