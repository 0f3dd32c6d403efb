package io.tornadoresnet.backend.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * SGEMM with the Vector API, organised as in BLIS/GotoBLAS. B is copied, one block of at most
 * {@code KC} x {@code NC} at a time, into panels a few vectors wide, so that the innermost loop reads
 * B contiguously whatever its layout (this is also where {@code B^T} is transposed); a panel ({@code KC}
 * rows of 4 vectors: 64 KiB with AVX-512) stays in the 1 MiB L2 of a Zen core while every row block of
 * A sweeps over it. A is not copied: the micro-kernels broadcast its elements straight from memory, each
 * row from its own base index, along a step stride, which reads A, its transpose and the rows of a
 * padded image alike. B given as a table of row starts (an implicit im2col) is read in place, unpacked.
 * The shifted product turns that around for small images: A is the image, read in place along a table
 * of column starts, and B the transposed kernel, exactly one 4-vector panel wide, read as it is.
 * The row product reads the padded image in place too, but skips its junk columns, each vector from its
 * row's start, and reads A as its caller packed it, 8 rows at a time ({@link Gemm#rowGroupIndex}).
 *
 * <p>The micro-kernels keep a tile of C in registers (AVX-512 has 32 vector registers: 16
 * accumulators, 4 B vectors and a broadcast) and do one fma per accumulator per step, enough
 * independent chains to cover the latency of two fma pipes. They are written out by hand, one local
 * per accumulator, because C2 keeps only locals in registers. Panel widths go down from 4 vectors to 2
 * and 1; the last columns, fewer than a vector, are computed as a full vector into a scratch tile
 * (reading B past column n: zeros when packed, {@link #overread()} floats in place) and copied out.
 */
final class VectorGemm extends Gemm {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Depth of a packed block: deeper means fewer passes over C, shallower keeps a panel in cache. */
    private static final int KC = 256;
    /** Width of a packed block, a multiple of every panel width; KC x NC floats is 512 KiB. */
    private static final int NC = 512;

    /** Floats of B per depth block of {@link #multiplyShifted}: 32 KiB, within L1. */
    private static final int SHIFTED_BLOCK_FLOATS = 8 * 1024;
    /**
     * Columns of every shifted product ({@link #multipliesShifted}). A constant stride of B lets the JIT drop
     * B's bounds checks from the kernels' loops and keeps their indices in registers: with the stride in a
     * variable, the 6-row kernel reloaded and spilled its indices through the stack on every step, and the
     * weight gradient of a 64-channel 7x7 convolution, whose 576 rows are whole groups of 6, took 1.17x as
     * long (one thread, serial collector; 1.06x on 8x8 images).
     */
    private static final int SHIFTED_WIDTH = 4 * L;

    private final int blockDepth;
    private final int blockWidth;
    /** B's panels from {@link Gemm#LINE_START} on, panels and their rows whole vectors; A's rows from 0. */
    private final float[] packed;
    private final float[] scratch = new float[8 * L];
    /** Offsets of one vector's lanes in {@link #packTransposed}: rows of B, set for each call's ldb. */
    private final int[] gatherOffsets = new int[L];

    /** Blocks of at most KC x NC, smaller when every product is smaller (see {@link Gemm#create(int, int)}). */
    VectorGemm(int maxK, int maxN) {
        this.blockDepth = Math.max(1, Math.min(KC, maxK));
        this.blockWidth = (int) Math.min(NC, ((long) Math.max(1, maxN) + 4 * L - 1) / (4 * L) * (4 * L));
        this.packed = new float[LINE_START + blockDepth * blockWidth];
    }

    static Gemm newInstance(int maxK, int maxN) {
        return new VectorGemm(maxK, maxN);
    }

    /** How far past column n a row of B read in place is read. */
    static int overread() {
        return L;
    }

    @Override
    public void multiply(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                         float[] c, int cOff, int ldc, boolean accumulate) {
        run(m, n, k, a, null, aOff, lda, 1, b, null, bOff, ldb, false, c, cOff, ldc, accumulate);
    }

    @Override
    public void multiplyTransposedA(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                    float[] c, int cOff, int ldc, boolean accumulate) {
        run(m, n, k, a, null, aOff, 1, lda, b, null, bOff, ldb, false, c, cOff, ldc, accumulate);
    }

    @Override
    public void multiplyTransposedB(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                    float[] c, int cOff, int ldc, boolean accumulate) {
        run(m, n, k, a, null, aOff, lda, 1, b, null, bOff, ldb, true, c, cOff, ldc, accumulate);
    }

    @Override
    void multiplyGathered(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int[] bRows, int bOff,
                          float[] c, int cOff, int ldc, boolean accumulate) {
        run(m, n, k, a, null, aOff, lda, 1, b, bRows, bOff, 0, false, c, cOff, ldc, accumulate);
    }

    /**
     * Groups of 8 rows of A, packed by the caller as [p][8] (so that the kernel's broadcasts step along one
     * index, whose bounds the JIT checks once, before the loop), against pairs of vectors along the rows of
     * pixels, each vector read from where its row of the grid starts: 8 broadcasts and 2 loads feed 16 fma,
     * with 2 bounds checks; the vector left over one at a time. In a row that is not a whole number of
     * vectors, the last vector ends at the row's end and overlaps the one before it, its partner in the pair:
     * the pair adds C to both before storing either, so the pixels they share get the same value twice.
     */
    @Override
    void multiplyGatheredRows(int m, int rows, int width, int k, float[] packedA,
                              float[] b, int[] bRows, int bOff, int bRowStride, float[] c, int cOff, int ldc) {
        if (!rowsFit(width)) {
            throw new IllegalArgumentException("rows of " + width + " floats are neither whole vectors nor "
                    + "an even number of vectors that overlap at the end");
        }
        checkRowGroups(m);
        if (m == 0 || rows <= 0) {
            return;
        }
        if (k <= 0) {
            clear(c, cOff, ldc, m, rows * width);
            return;
        }
        int perRow = (width + L - 1) / L;
        int vectors = rows * perRow;
        int groups = m / ROW_GROUP;
        int blocks = (k + blockDepth - 1) / blockDepth;
        for (int block = 0; block < blocks; block++) {
            int p0 = (int) ((long) k * block / blocks);
            int kc = (int) ((long) k * (block + 1) / blocks) - p0;
            boolean add = block > 0;
            for (int v = 0; v + 2 <= vectors; v += 2) {
                int b0 = bOff + rowVector(v, perRow, width, bRowStride);
                int b1 = bOff + rowVector(v + 1, perRow, width, bRowStride);
                int c0 = cOff + rowVector(v, perRow, width, width);
                int c1 = cOff + rowVector(v + 1, perRow, width, width);
                for (int g = 0; g < groups; g++) {
                    rows8x2(kc, packedA, rowGroupIndex(g * ROW_GROUP, p0, k), b, bRows, p0, b0, b1, c,
                            c0 + g * ROW_GROUP * ldc, c1 + g * ROW_GROUP * ldc, ldc, add);
                }
            }
            if (vectors % 2 == 1) {
                int v = vectors - 1;
                int b0 = bOff + rowVector(v, perRow, width, bRowStride);
                int c0 = cOff + rowVector(v, perRow, width, width);
                for (int i = 0; i < m; i++) {
                    kernel1x1(kc, packedA, rowGroupIndex(i, p0, k), ROW_GROUP, b, bRows, p0, b0, c, c0 + i * ldc,
                            add);
                }
            }
        }
    }

    /**
     * Rows of A in whole groups (with the rows left over run 1 x 2 vectors, too few accumulators to cover the
     * fma latency, the input gradient of ResNet's stem, 3 channels, took 1.2-1.4x as long), and rows that
     * {@link #rowsFit} with at most 1/8 of their lanes computed twice: with AVX-512, ResNet's 28 and 56
     * pixels as well as whole vectors, and the grids of 14x14 and 7x7 images taken as one row.
     */
    @Override
    boolean multipliesRows(int m, int width) {
        int perRow = (width + L - 1) / L;
        return rowsFit(width) && 8 * width >= 7 * perRow * L && m > 0 && m % ROW_GROUP == 0;
    }

    /**
     * Rows of whole vectors, or of an even number of vectors the last of which overlaps the one before:
     * then each pair of vectors lies in one row.
     */
    private static boolean rowsFit(int width) {
        return width > 0 && (width % L == 0 || (width > L && ((width + L - 1) / L) % 2 == 0));
    }

    /**
     * Where vector {@code v} of rows {@code width} floats wide ({@code perRow} vectors) starts, rows
     * {@code rowStride} apart: the last vector of a row ends where the row does.
     */
    private static int rowVector(int v, int perRow, int width, int rowStride) {
        return v / perRow * rowStride + Math.min(v % perRow * L, width - L);
    }

    @Override
    void multiplyTransposedBGathered(int m, int n, int k, float[] a, int[] aRows, int aOff, float[] b, int bOff,
                                     int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        run(m, n, k, a, aRows, aOff, 0, 1, b, null, bOff, ldb, true, c, cOff, ldc, accumulate);
    }

    @Override
    void accumulateLaneDots(int m, int n, int k, float[] a, int[] aRows, int aOff, float[] b, int bOff, int ldb,
                            float[] partial) {
        int end = (k + L - 1) / L * L;
        int rowFloats = n * L;
        int i = 0;
        for (; i + 6 <= m; i += 6) {
            int j = 0;
            for (; j + 4 <= n; j += 4) {
                laneDots6x4(end, a, aOff + aRows[i], aOff + aRows[i + 1], aOff + aRows[i + 2], aOff + aRows[i + 3],
                        aOff + aRows[i + 4], aOff + aRows[i + 5], b, bOff + j * ldb, ldb, partial, (i * n + j) * L,
                        rowFloats);
            }
            for (; j < n; j++) {
                for (int r = 0; r < 6; r++) {
                    laneDot(end, a, aOff + aRows[i + r], b, bOff + j * ldb, partial, ((i + r) * n + j) * L);
                }
            }
        }
        for (; i + 4 <= m; i += 4) {
            int a0 = aOff + aRows[i];
            int a1 = aOff + aRows[i + 1];
            int a2 = aOff + aRows[i + 2];
            int a3 = aOff + aRows[i + 3];
            int j = 0;
            for (; j + 4 <= n; j += 4) {
                laneDots4x4(end, a, a0, a1, a2, a3, b, bOff + j * ldb, ldb, partial, (i * n + j) * L, rowFloats);
            }
            for (; j < n; j++) {
                for (int r = 0; r < 4; r++) {
                    laneDot(end, a, aOff + aRows[i + r], b, bOff + j * ldb, partial, ((i + r) * n + j) * L);
                }
            }
        }
        for (; i < m; i++) {
            for (int j = 0; j < n; j++) {
                laneDot(end, a, aOff + aRows[i], b, bOff + j * ldb, partial, (i * n + j) * L);
            }
        }
    }

    /**
     * Four vectors only: with two, the 8-row kernel's 8 broadcasts per 2 loads ran the 32-channel
     * ResNet shapes (14x14, 16x16) at 0.6-0.8x the gathered product.
     */
    @Override
    boolean multipliesShifted(int n) {
        return n == SHIFTED_WIDTH;
    }

    /**
     * Rows in groups of 6 (24 accumulators: 4 loads and 6 broadcasts feed 24 fma, 1.3x the 4-row kernel
     * on ResNet's 8x8 and 7x7 images) and 5, then 4, the rest one at a time; the depth in blocks whose rows of
     * B (n floats each) fill about 32 KiB, so that a block stays in L1 while the rows sweep it.
     */
    @Override
    void multiplyShifted(int m, int n, int k, float[] a, int[] aRows, int aRowsOff, int[] aCols, int aColsOff,
                         float[] b, float[] c, int cOff, int ldc, boolean accumulate) {
        if (!multipliesShifted(n)) {
            throw new IllegalArgumentException("shifted products take 4 vectors of columns, not " + n);
        }
        if (m <= 0) {
            return;
        }
        if (k <= 0) {
            if (!accumulate) {
                clear(c, cOff, ldc, m, n);
            }
            return;
        }
        int blocks = (k + SHIFTED_BLOCK_FLOATS / n - 1) / (SHIFTED_BLOCK_FLOATS / n);
        // Rows of the 6-row kernel, the rest in groups of 5 where they come out whole: a row left over runs one
        // vector at a time, each fma waiting on the one before. ResNet's 7x7 images, 49 = 4x6 + 5x5, ran their
        // forward pass in 0.93x the time of 8x6 + 1.
        int fives = (6 - m % 6) % 6;
        int sixes = 5 * fives <= m ? m - 5 * fives : m / 6 * 6;
        for (int block = 0; block < blocks; block++) {
            int p0 = (int) ((long) k * block / blocks);
            int kc = (int) ((long) k * (block + 1) / blocks) - p0;
            boolean add = accumulate || block > 0;
            int bBase = p0 * n;
            int col = aColsOff + p0;
            int i = 0;
            for (; i + 6 <= sixes; i += 6) {
                shifted6x4(kc, a, aRows, aRowsOff + i, aCols, col, b, bBase, c, cOff + i * ldc, ldc, add);
            }
            for (; i + 5 <= m; i += 5) {
                shifted5x4(kc, a, aRows, aRowsOff + i, aCols, col, b, bBase, c, cOff + i * ldc, ldc, add);
            }
            for (; i + 4 <= m; i += 4) {
                shifted4x4(kc, a, aRows, aRowsOff + i, aCols, col, b, bBase, c, cOff + i * ldc, ldc, add);
            }
            for (; i < m; i++) {
                for (int v = 0; v < n; v += L) {
                    shifted1x1(kc, a, aRows[aRowsOff + i], aCols, col, b, bBase + v, c, cOff + i * ldc + v, add);
                }
            }
        }
    }

    @Override
    int dotLanes() {
        return L;
    }

    /** One lane-split dot product of {@code end} floats (a multiple of L). */
    private static void laneDot(int end, float[] a, int a0, float[] b, int b0, float[] partial, int at) {
        FloatVector acc = FloatVector.fromArray(S, partial, at);
        for (int q = 0; q < end; q += L) {
            acc = FloatVector.fromArray(S, a, a0 + q).fma(FloatVector.fromArray(S, b, b0 + q), acc);
        }
        acc.intoArray(partial, at);
    }

    /**
     * 6 rows of A against 4 rows of B, as {@link #laneDots4x4}: 24 sums, per step 10 loads feed 24 fma (the
     * 4x4 form's 8 loads fed 16; A's rows, one float apart from tap to tap, mostly straddle two cache lines).
     */
    private static void laneDots6x4(int end, float[] a, int a0, int a1, int a2, int a3, int a4, int a5,
                                    float[] b, int b0, int ldb, float[] partial, int at, int rowFloats) {
        int b1 = b0 + ldb;
        int b2 = b1 + ldb;
        int b3 = b2 + ldb;
        int p0 = at;
        int p1 = at + rowFloats;
        int p2 = at + 2 * rowFloats;
        int p3 = at + 3 * rowFloats;
        int p4 = at + 4 * rowFloats;
        int p5 = at + 5 * rowFloats;
        FloatVector c00 = FloatVector.fromArray(S, partial, p0);
        FloatVector c01 = FloatVector.fromArray(S, partial, p0 + L);
        FloatVector c02 = FloatVector.fromArray(S, partial, p0 + 2 * L);
        FloatVector c03 = FloatVector.fromArray(S, partial, p0 + 3 * L);
        FloatVector c10 = FloatVector.fromArray(S, partial, p1);
        FloatVector c11 = FloatVector.fromArray(S, partial, p1 + L);
        FloatVector c12 = FloatVector.fromArray(S, partial, p1 + 2 * L);
        FloatVector c13 = FloatVector.fromArray(S, partial, p1 + 3 * L);
        FloatVector c20 = FloatVector.fromArray(S, partial, p2);
        FloatVector c21 = FloatVector.fromArray(S, partial, p2 + L);
        FloatVector c22 = FloatVector.fromArray(S, partial, p2 + 2 * L);
        FloatVector c23 = FloatVector.fromArray(S, partial, p2 + 3 * L);
        FloatVector c30 = FloatVector.fromArray(S, partial, p3);
        FloatVector c31 = FloatVector.fromArray(S, partial, p3 + L);
        FloatVector c32 = FloatVector.fromArray(S, partial, p3 + 2 * L);
        FloatVector c33 = FloatVector.fromArray(S, partial, p3 + 3 * L);
        FloatVector c40 = FloatVector.fromArray(S, partial, p4);
        FloatVector c41 = FloatVector.fromArray(S, partial, p4 + L);
        FloatVector c42 = FloatVector.fromArray(S, partial, p4 + 2 * L);
        FloatVector c43 = FloatVector.fromArray(S, partial, p4 + 3 * L);
        FloatVector c50 = FloatVector.fromArray(S, partial, p5);
        FloatVector c51 = FloatVector.fromArray(S, partial, p5 + L);
        FloatVector c52 = FloatVector.fromArray(S, partial, p5 + 2 * L);
        FloatVector c53 = FloatVector.fromArray(S, partial, p5 + 3 * L);
        for (int q = 0; q < end; q += L) {
            FloatVector y0 = FloatVector.fromArray(S, b, b0 + q);
            FloatVector y1 = FloatVector.fromArray(S, b, b1 + q);
            FloatVector y2 = FloatVector.fromArray(S, b, b2 + q);
            FloatVector y3 = FloatVector.fromArray(S, b, b3 + q);
            FloatVector x0 = FloatVector.fromArray(S, a, a0 + q);
            c00 = x0.fma(y0, c00); c01 = x0.fma(y1, c01); c02 = x0.fma(y2, c02); c03 = x0.fma(y3, c03);
            FloatVector x1 = FloatVector.fromArray(S, a, a1 + q);
            c10 = x1.fma(y0, c10); c11 = x1.fma(y1, c11); c12 = x1.fma(y2, c12); c13 = x1.fma(y3, c13);
            FloatVector x2 = FloatVector.fromArray(S, a, a2 + q);
            c20 = x2.fma(y0, c20); c21 = x2.fma(y1, c21); c22 = x2.fma(y2, c22); c23 = x2.fma(y3, c23);
            FloatVector x3 = FloatVector.fromArray(S, a, a3 + q);
            c30 = x3.fma(y0, c30); c31 = x3.fma(y1, c31); c32 = x3.fma(y2, c32); c33 = x3.fma(y3, c33);
            FloatVector x4 = FloatVector.fromArray(S, a, a4 + q);
            c40 = x4.fma(y0, c40); c41 = x4.fma(y1, c41); c42 = x4.fma(y2, c42); c43 = x4.fma(y3, c43);
            FloatVector x5 = FloatVector.fromArray(S, a, a5 + q);
            c50 = x5.fma(y0, c50); c51 = x5.fma(y1, c51); c52 = x5.fma(y2, c52); c53 = x5.fma(y3, c53);
        }
        c00.intoArray(partial, p0);
        c01.intoArray(partial, p0 + L);
        c02.intoArray(partial, p0 + 2 * L);
        c03.intoArray(partial, p0 + 3 * L);
        c10.intoArray(partial, p1);
        c11.intoArray(partial, p1 + L);
        c12.intoArray(partial, p1 + 2 * L);
        c13.intoArray(partial, p1 + 3 * L);
        c20.intoArray(partial, p2);
        c21.intoArray(partial, p2 + L);
        c22.intoArray(partial, p2 + 2 * L);
        c23.intoArray(partial, p2 + 3 * L);
        c30.intoArray(partial, p3);
        c31.intoArray(partial, p3 + L);
        c32.intoArray(partial, p3 + 2 * L);
        c33.intoArray(partial, p3 + 3 * L);
        c40.intoArray(partial, p4);
        c41.intoArray(partial, p4 + L);
        c42.intoArray(partial, p4 + 2 * L);
        c43.intoArray(partial, p4 + 3 * L);
        c50.intoArray(partial, p5);
        c51.intoArray(partial, p5 + L);
        c52.intoArray(partial, p5 + 2 * L);
        c53.intoArray(partial, p5 + 3 * L);
    }

    /**
     * 4 rows of A against 4 rows of B (from {@code b0}, {@code ldb} apart): 16 lane-split sums at
     * {@code at}, rows of sums {@code rowFloats} apart; per step 8 loads feed 16 fma.
     */
    private static void laneDots4x4(int end, float[] a, int a0, int a1, int a2, int a3, float[] b, int b0, int ldb,
                                    float[] partial, int at, int rowFloats) {
        int p0 = at;
        int p1 = at + rowFloats;
        int p2 = at + 2 * rowFloats;
        int p3 = at + 3 * rowFloats;
        int b1 = b0 + ldb;
        int b2 = b1 + ldb;
        int b3 = b2 + ldb;
        FloatVector c00 = FloatVector.fromArray(S, partial, p0);
        FloatVector c01 = FloatVector.fromArray(S, partial, p0 + L);
        FloatVector c02 = FloatVector.fromArray(S, partial, p0 + 2 * L);
        FloatVector c03 = FloatVector.fromArray(S, partial, p0 + 3 * L);
        FloatVector c10 = FloatVector.fromArray(S, partial, p1);
        FloatVector c11 = FloatVector.fromArray(S, partial, p1 + L);
        FloatVector c12 = FloatVector.fromArray(S, partial, p1 + 2 * L);
        FloatVector c13 = FloatVector.fromArray(S, partial, p1 + 3 * L);
        FloatVector c20 = FloatVector.fromArray(S, partial, p2);
        FloatVector c21 = FloatVector.fromArray(S, partial, p2 + L);
        FloatVector c22 = FloatVector.fromArray(S, partial, p2 + 2 * L);
        FloatVector c23 = FloatVector.fromArray(S, partial, p2 + 3 * L);
        FloatVector c30 = FloatVector.fromArray(S, partial, p3);
        FloatVector c31 = FloatVector.fromArray(S, partial, p3 + L);
        FloatVector c32 = FloatVector.fromArray(S, partial, p3 + 2 * L);
        FloatVector c33 = FloatVector.fromArray(S, partial, p3 + 3 * L);
        for (int q = 0; q < end; q += L) {
            FloatVector y0 = FloatVector.fromArray(S, b, b0 + q);
            FloatVector y1 = FloatVector.fromArray(S, b, b1 + q);
            FloatVector y2 = FloatVector.fromArray(S, b, b2 + q);
            FloatVector y3 = FloatVector.fromArray(S, b, b3 + q);
            FloatVector x0 = FloatVector.fromArray(S, a, a0 + q);
            c00 = x0.fma(y0, c00); c01 = x0.fma(y1, c01); c02 = x0.fma(y2, c02); c03 = x0.fma(y3, c03);
            FloatVector x1 = FloatVector.fromArray(S, a, a1 + q);
            c10 = x1.fma(y0, c10); c11 = x1.fma(y1, c11); c12 = x1.fma(y2, c12); c13 = x1.fma(y3, c13);
            FloatVector x2 = FloatVector.fromArray(S, a, a2 + q);
            c20 = x2.fma(y0, c20); c21 = x2.fma(y1, c21); c22 = x2.fma(y2, c22); c23 = x2.fma(y3, c23);
            FloatVector x3 = FloatVector.fromArray(S, a, a3 + q);
            c30 = x3.fma(y0, c30); c31 = x3.fma(y1, c31); c32 = x3.fma(y2, c32); c33 = x3.fma(y3, c33);
        }
        c00.intoArray(partial, p0);
        c01.intoArray(partial, p0 + L);
        c02.intoArray(partial, p0 + 2 * L);
        c03.intoArray(partial, p0 + 3 * L);
        c10.intoArray(partial, p1);
        c11.intoArray(partial, p1 + L);
        c12.intoArray(partial, p1 + 2 * L);
        c13.intoArray(partial, p1 + 3 * L);
        c20.intoArray(partial, p2);
        c21.intoArray(partial, p2 + L);
        c22.intoArray(partial, p2 + 2 * L);
        c23.intoArray(partial, p2 + 3 * L);
        c30.intoArray(partial, p3);
        c31.intoArray(partial, p3 + L);
        c32.intoArray(partial, p3 + 2 * L);
        c33.intoArray(partial, p3 + 3 * L);
    }

    /**
     * Row i of A starts at {@code aOff + i * aRowStride}, or at {@code aOff + aRows[i]}, and steps by
     * {@code aStep}. B is [k][n] from {@code bOff} with leading dimension ldb, or [n][k] when
     * {@code bTransposed}, or, with {@code bRows}, row p starts at {@code bOff + bRows[p]}.
     */
    private void run(int m, int n, int k, float[] a, int[] aRows, int aOff, int aRowStride, int aStep,
                     float[] b, int[] bRows, int bOff, int ldb, boolean bTransposed,
                     float[] c, int cOff, int ldc, boolean accumulate) {
        if (m <= 0 || n <= 0) {
            return;
        }
        if (k <= 0) {
            if (!accumulate) {
                clear(c, cOff, ldc, m, n);
            }
            return;
        }
        // Equal blocks: k = 288 becomes 2 x 144 rather than 256 + 32.
        int blocks = (k + blockDepth - 1) / blockDepth;
        int width = bRows == null ? blockWidth : n;
        for (int j0 = 0; j0 < n; j0 += width) {
            int nc = Math.min(width, n - j0);
            for (int block = 0; block < blocks; block++) {
                int p0 = (int) ((long) k * block / blocks);
                int kc = (int) ((long) k * (block + 1) / blocks) - p0;
                boolean add = accumulate || block > 0;
                int aBlock = aOff + p0 * aStep;
                if (bRows != null) {
                    multiplyBlock(m, nc, kc, a, aRows, aBlock, aRowStride, aStep, b, bRows, p0, bOff + j0,
                            c, cOff + j0, ldc, add);
                    continue;
                }
                if (bTransposed) {
                    packTransposed(b, bOff + j0 * ldb + p0, ldb, kc, nc);
                } else {
                    pack(b, bOff + p0 * ldb + j0, ldb, kc, nc);
                }
                multiplyBlock(m, nc, kc, a, aRows, aBlock, aRowStride, aStep, packed, null, 0, LINE_START,
                        c, cOff + j0, ldc, add);
            }
        }
    }

    /** Width of the next panel when {@code remaining} columns are left: 4, 2 or 1 vectors, or the rest. */
    private static int panelWidth(int remaining) {
        if (remaining >= 4 * L) {
            return 4 * L;
        }
        if (remaining >= 2 * L) {
            return 2 * L;
        }
        return Math.min(remaining, L);
    }

    /**
     * Copies B[kc][nc] (row-major, from {@code src}) into panels; the panel at column j starts at
     * {@link Gemm#LINE_START} + kc * j.
     */
    private void pack(float[] b, int src, int ldb, int kc, int nc) {
        for (int j = 0; j < nc; ) {
            int width = panelWidth(nc - j);
            int dst = LINE_START + kc * j;
            if (width >= L) {
                for (int p = 0; p < kc; p++) {
                    int from = src + p * ldb + j;
                    int to = dst + p * width;
                    for (int v = 0; v < width; v += L) {
                        FloatVector.fromArray(S, b, from + v).intoArray(packed, to + v);
                    }
                }
            } else {
                for (int p = 0; p < kc; p++) {
                    int from = src + p * ldb + j;
                    int to = dst + p * L;
                    for (int jj = 0; jj < L; jj++) {
                        packed[to + jj] = jj < width ? b[from + jj] : 0f;
                    }
                }
            }
            j += width;
        }
    }

    /**
     * As {@link #pack} for B stored transposed, [nc][kc] from {@code src}: each vector of a panel's row
     * gathered at once, L rows of B apart, where the panel is whole vectors.
     */
    private void packTransposed(float[] b, int src, int ldb, int kc, int nc) {
        for (int lane = 0; lane < L; lane++) {
            gatherOffsets[lane] = lane * ldb;
        }
        for (int j = 0; j < nc; ) {
            int width = panelWidth(nc - j);
            int stored = Math.max(width, L);
            int dst = LINE_START + kc * j;
            if (width % L == 0) {
                for (int v = 0; v < width; v += L) {
                    int from = src + (j + v) * ldb;
                    for (int p = 0; p < kc; p++) {
                        FloatVector.fromArray(S, b, from + p, gatherOffsets, 0)
                                .intoArray(packed, dst + p * width + v);
                    }
                }
                j += width;
                continue;
            }
            for (int jj = 0; jj < stored; jj++) {
                int from = src + (j + jj) * ldb;
                if (jj < width) {
                    for (int p = 0; p < kc; p++) {
                        packed[dst + p * stored + jj] = b[from + p];
                    }
                } else {
                    for (int p = 0; p < kc; p++) {
                        packed[dst + p * stored + jj] = 0f;
                    }
                }
            }
            j += width;
        }
    }

    private static int row(int[] aRows, int aOff, int aRowStride, int i) {
        return aRows == null ? aOff + i * aRowStride : aOff + aRows[i];
    }

    /**
     * C[m][nc] (+)= A[m][kc] B[kc][nc]; B is either the packed block ({@code bRows} null, panel at
     * column j from bOff + kc * j) or read in place (row p from {@code bOff + bRows[bFrom + p]}).
     */
    private void multiplyBlock(int m, int nc, int kc, float[] a, int[] aRows, int aOff, int aRowStride, int aStep,
                               float[] b, int[] bRows, int bFrom, int bOff,
                               float[] c, int cOff, int ldc, boolean accumulate) {
        for (int j = 0; j < nc; ) {
            int width = panelWidth(nc - j);
            int panel = bRows == null ? bOff + kc * j : bOff + j;
            int cCol = cOff + j;
            int i = 0;
            if (width == 4 * L) {
                if (bRows == null) {
                    for (; i + 6 <= m; i += 6) {
                        kernel6x4(kc, a, row(aRows, aOff, aRowStride, i), row(aRows, aOff, aRowStride, i + 1),
                                row(aRows, aOff, aRowStride, i + 2), row(aRows, aOff, aRowStride, i + 3),
                                row(aRows, aOff, aRowStride, i + 4), row(aRows, aOff, aRowStride, i + 5), aStep,
                                b, panel, c, cCol + i * ldc, ldc, accumulate);
                    }
                }
                for (; i + 4 <= m; i += 4) {
                    kernel4x4(kc, a, row(aRows, aOff, aRowStride, i), row(aRows, aOff, aRowStride, i + 1),
                            row(aRows, aOff, aRowStride, i + 2), row(aRows, aOff, aRowStride, i + 3), aStep,
                            b, bRows, bFrom, panel, c, cCol + i * ldc, ldc, accumulate);
                }
            } else if (width == 2 * L) {
                for (; i + 8 <= m; i += 8) {
                    kernel8x2(kc, a, row(aRows, aOff, aRowStride, i), row(aRows, aOff, aRowStride, i + 1),
                            row(aRows, aOff, aRowStride, i + 2), row(aRows, aOff, aRowStride, i + 3),
                            row(aRows, aOff, aRowStride, i + 4), row(aRows, aOff, aRowStride, i + 5),
                            row(aRows, aOff, aRowStride, i + 6), row(aRows, aOff, aRowStride, i + 7), aStep,
                            b, bRows, bFrom, panel, c, cCol + i * ldc, ldc, accumulate);
                }
                for (; i + 4 <= m; i += 4) {
                    kernel4x2(kc, a, row(aRows, aOff, aRowStride, i), row(aRows, aOff, aRowStride, i + 1),
                            row(aRows, aOff, aRowStride, i + 2), row(aRows, aOff, aRowStride, i + 3), aStep,
                            b, bRows, bFrom, panel, c, cCol + i * ldc, ldc, accumulate);
                }
            } else {
                // One vector, or fewer columns computed as one vector into the scratch tile and copied out.
                boolean partial = width < L;
                for (; i + 8 <= m; i += 8) {
                    kernel8x1(kc, a, row(aRows, aOff, aRowStride, i), row(aRows, aOff, aRowStride, i + 1),
                            row(aRows, aOff, aRowStride, i + 2), row(aRows, aOff, aRowStride, i + 3),
                            row(aRows, aOff, aRowStride, i + 4), row(aRows, aOff, aRowStride, i + 5),
                            row(aRows, aOff, aRowStride, i + 6), row(aRows, aOff, aRowStride, i + 7), aStep,
                            b, bRows, bFrom, panel,
                            partial ? scratch : c, partial ? 0 : cCol + i * ldc, partial ? L : ldc, accumulate && !partial);
                    if (partial) {
                        copyOut(8, width, c, cCol + i * ldc, ldc, accumulate);
                    }
                }
            }
            for (; i < m; i++) {
                int aRow = row(aRows, aOff, aRowStride, i);
                if (width == 4 * L) {
                    kernel1x4(kc, a, aRow, aStep, b, bRows, bFrom, panel, c, cCol + i * ldc, accumulate);
                } else if (width == 2 * L) {
                    kernel1x2(kc, a, aRow, aStep, b, bRows, bFrom, panel, c, cCol + i * ldc, accumulate);
                } else if (width == L) {
                    kernel1x1(kc, a, aRow, aStep, b, bRows, bFrom, panel, c, cCol + i * ldc, accumulate);
                } else {
                    kernel1x1(kc, a, aRow, aStep, b, bRows, bFrom, panel, scratch, 0, false);
                    copyOut(1, width, c, cCol + i * ldc, ldc, accumulate);
                }
            }
            j += width;
        }
    }

    /** Copies (or adds) the first {@code width} columns of {@code rows} rows of the scratch tile into C. */
    private void copyOut(int rows, int width, float[] c, int cIdx, int ldc, boolean accumulate) {
        for (int r = 0; r < rows; r++) {
            for (int jj = 0; jj < width; jj++) {
                int at = cIdx + r * ldc + jj;
                c[at] = accumulate ? c[at] + scratch[r * L + jj] : scratch[r * L + jj];
            }
        }
    }

    /**
     * Shifted product: 6 rows x 4 vectors: 24 accumulators; per step 4 loads and 6 broadcasts feed 24 fma.
     * Rows {@code r..r+5} of A start at {@code aRows[r..r+5]}: output pixels, which skip the padded grid's
     * junk columns where they cross the end of an image row, or taps of the weight gradient.
     */
    private static void shifted6x4(int kc, float[] a, int[] aRows, int r, int[] aCols, int p0, float[] b, int bBase,
                                   float[] c, int cIdx, int ldc, boolean accumulate) {
        int a0 = aRows[r];
        int d1 = aRows[r + 1] - a0;
        int d2 = aRows[r + 2] - a0;
        int d3 = aRows[r + 3] - a0;
        int d4 = aRows[r + 4] - a0;
        int d5 = aRows[r + 5] - a0;
        int c0 = cIdx;
        int c1 = cIdx + 1 * ldc;
        int c2 = cIdx + 2 * ldc;
        int c3 = cIdx + 3 * ldc;
        int c4 = cIdx + 4 * ldc;
        int c5 = cIdx + 5 * ldc;
        FloatVector c00 = accumulate ? FloatVector.fromArray(S, c, c0) : FloatVector.zero(S);
        FloatVector c01 = accumulate ? FloatVector.fromArray(S, c, c0 + L) : FloatVector.zero(S);
        FloatVector c02 = accumulate ? FloatVector.fromArray(S, c, c0 + 2 * L) : FloatVector.zero(S);
        FloatVector c03 = accumulate ? FloatVector.fromArray(S, c, c0 + 3 * L) : FloatVector.zero(S);
        FloatVector c10 = accumulate ? FloatVector.fromArray(S, c, c1) : FloatVector.zero(S);
        FloatVector c11 = accumulate ? FloatVector.fromArray(S, c, c1 + L) : FloatVector.zero(S);
        FloatVector c12 = accumulate ? FloatVector.fromArray(S, c, c1 + 2 * L) : FloatVector.zero(S);
        FloatVector c13 = accumulate ? FloatVector.fromArray(S, c, c1 + 3 * L) : FloatVector.zero(S);
        FloatVector c20 = accumulate ? FloatVector.fromArray(S, c, c2) : FloatVector.zero(S);
        FloatVector c21 = accumulate ? FloatVector.fromArray(S, c, c2 + L) : FloatVector.zero(S);
        FloatVector c22 = accumulate ? FloatVector.fromArray(S, c, c2 + 2 * L) : FloatVector.zero(S);
        FloatVector c23 = accumulate ? FloatVector.fromArray(S, c, c2 + 3 * L) : FloatVector.zero(S);
        FloatVector c30 = accumulate ? FloatVector.fromArray(S, c, c3) : FloatVector.zero(S);
        FloatVector c31 = accumulate ? FloatVector.fromArray(S, c, c3 + L) : FloatVector.zero(S);
        FloatVector c32 = accumulate ? FloatVector.fromArray(S, c, c3 + 2 * L) : FloatVector.zero(S);
        FloatVector c33 = accumulate ? FloatVector.fromArray(S, c, c3 + 3 * L) : FloatVector.zero(S);
        FloatVector c40 = accumulate ? FloatVector.fromArray(S, c, c4) : FloatVector.zero(S);
        FloatVector c41 = accumulate ? FloatVector.fromArray(S, c, c4 + L) : FloatVector.zero(S);
        FloatVector c42 = accumulate ? FloatVector.fromArray(S, c, c4 + 2 * L) : FloatVector.zero(S);
        FloatVector c43 = accumulate ? FloatVector.fromArray(S, c, c4 + 3 * L) : FloatVector.zero(S);
        FloatVector c50 = accumulate ? FloatVector.fromArray(S, c, c5) : FloatVector.zero(S);
        FloatVector c51 = accumulate ? FloatVector.fromArray(S, c, c5 + L) : FloatVector.zero(S);
        FloatVector c52 = accumulate ? FloatVector.fromArray(S, c, c5 + 2 * L) : FloatVector.zero(S);
        FloatVector c53 = accumulate ? FloatVector.fromArray(S, c, c5 + 3 * L) : FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bi = bBase + p * SHIFTED_WIDTH;
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, b, bi + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, b, bi + 3 * L);
            int ai = a0 + aCols[p0 + p];
            FloatVector x0 = FloatVector.broadcast(S, a[ai]);
            c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01); c02 = x0.fma(b2, c02); c03 = x0.fma(b3, c03);
            FloatVector x1 = FloatVector.broadcast(S, a[ai + d1]);
            c10 = x1.fma(b0, c10); c11 = x1.fma(b1, c11); c12 = x1.fma(b2, c12); c13 = x1.fma(b3, c13);
            FloatVector x2 = FloatVector.broadcast(S, a[ai + d2]);
            c20 = x2.fma(b0, c20); c21 = x2.fma(b1, c21); c22 = x2.fma(b2, c22); c23 = x2.fma(b3, c23);
            FloatVector x3 = FloatVector.broadcast(S, a[ai + d3]);
            c30 = x3.fma(b0, c30); c31 = x3.fma(b1, c31); c32 = x3.fma(b2, c32); c33 = x3.fma(b3, c33);
            FloatVector x4 = FloatVector.broadcast(S, a[ai + d4]);
            c40 = x4.fma(b0, c40); c41 = x4.fma(b1, c41); c42 = x4.fma(b2, c42); c43 = x4.fma(b3, c43);
            FloatVector x5 = FloatVector.broadcast(S, a[ai + d5]);
            c50 = x5.fma(b0, c50); c51 = x5.fma(b1, c51); c52 = x5.fma(b2, c52); c53 = x5.fma(b3, c53);
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + L);
        c02.intoArray(c, c0 + 2 * L);
        c03.intoArray(c, c0 + 3 * L);
        c10.intoArray(c, c1);
        c11.intoArray(c, c1 + L);
        c12.intoArray(c, c1 + 2 * L);
        c13.intoArray(c, c1 + 3 * L);
        c20.intoArray(c, c2);
        c21.intoArray(c, c2 + L);
        c22.intoArray(c, c2 + 2 * L);
        c23.intoArray(c, c2 + 3 * L);
        c30.intoArray(c, c3);
        c31.intoArray(c, c3 + L);
        c32.intoArray(c, c3 + 2 * L);
        c33.intoArray(c, c3 + 3 * L);
        c40.intoArray(c, c4);
        c41.intoArray(c, c4 + L);
        c42.intoArray(c, c4 + 2 * L);
        c43.intoArray(c, c4 + 3 * L);
        c50.intoArray(c, c5);
        c51.intoArray(c, c5 + L);
        c52.intoArray(c, c5 + 2 * L);
        c53.intoArray(c, c5 + 3 * L);
    }

    /** Shifted product: 5 rows x 4 vectors, rows as in {@link #shifted6x4}; 4 loads and 5 broadcasts feed 20 fma. */
    private static void shifted5x4(int kc, float[] a, int[] aRows, int r, int[] aCols, int p0, float[] b, int bBase,
                                   float[] c, int cIdx, int ldc, boolean accumulate) {
        int a0 = aRows[r];
        int d1 = aRows[r + 1] - a0;
        int d2 = aRows[r + 2] - a0;
        int d3 = aRows[r + 3] - a0;
        int d4 = aRows[r + 4] - a0;
        int c0 = cIdx;
        int c1 = cIdx + 1 * ldc;
        int c2 = cIdx + 2 * ldc;
        int c3 = cIdx + 3 * ldc;
        int c4 = cIdx + 4 * ldc;
        FloatVector c00 = accumulate ? FloatVector.fromArray(S, c, c0) : FloatVector.zero(S);
        FloatVector c01 = accumulate ? FloatVector.fromArray(S, c, c0 + L) : FloatVector.zero(S);
        FloatVector c02 = accumulate ? FloatVector.fromArray(S, c, c0 + 2 * L) : FloatVector.zero(S);
        FloatVector c03 = accumulate ? FloatVector.fromArray(S, c, c0 + 3 * L) : FloatVector.zero(S);
        FloatVector c10 = accumulate ? FloatVector.fromArray(S, c, c1) : FloatVector.zero(S);
        FloatVector c11 = accumulate ? FloatVector.fromArray(S, c, c1 + L) : FloatVector.zero(S);
        FloatVector c12 = accumulate ? FloatVector.fromArray(S, c, c1 + 2 * L) : FloatVector.zero(S);
        FloatVector c13 = accumulate ? FloatVector.fromArray(S, c, c1 + 3 * L) : FloatVector.zero(S);
        FloatVector c20 = accumulate ? FloatVector.fromArray(S, c, c2) : FloatVector.zero(S);
        FloatVector c21 = accumulate ? FloatVector.fromArray(S, c, c2 + L) : FloatVector.zero(S);
        FloatVector c22 = accumulate ? FloatVector.fromArray(S, c, c2 + 2 * L) : FloatVector.zero(S);
        FloatVector c23 = accumulate ? FloatVector.fromArray(S, c, c2 + 3 * L) : FloatVector.zero(S);
        FloatVector c30 = accumulate ? FloatVector.fromArray(S, c, c3) : FloatVector.zero(S);
        FloatVector c31 = accumulate ? FloatVector.fromArray(S, c, c3 + L) : FloatVector.zero(S);
        FloatVector c32 = accumulate ? FloatVector.fromArray(S, c, c3 + 2 * L) : FloatVector.zero(S);
        FloatVector c33 = accumulate ? FloatVector.fromArray(S, c, c3 + 3 * L) : FloatVector.zero(S);
        FloatVector c40 = accumulate ? FloatVector.fromArray(S, c, c4) : FloatVector.zero(S);
        FloatVector c41 = accumulate ? FloatVector.fromArray(S, c, c4 + L) : FloatVector.zero(S);
        FloatVector c42 = accumulate ? FloatVector.fromArray(S, c, c4 + 2 * L) : FloatVector.zero(S);
        FloatVector c43 = accumulate ? FloatVector.fromArray(S, c, c4 + 3 * L) : FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bi = bBase + p * SHIFTED_WIDTH;
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, b, bi + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, b, bi + 3 * L);
            int ai = a0 + aCols[p0 + p];
            FloatVector x0 = FloatVector.broadcast(S, a[ai]);
            c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01); c02 = x0.fma(b2, c02); c03 = x0.fma(b3, c03);
            FloatVector x1 = FloatVector.broadcast(S, a[ai + d1]);
            c10 = x1.fma(b0, c10); c11 = x1.fma(b1, c11); c12 = x1.fma(b2, c12); c13 = x1.fma(b3, c13);
            FloatVector x2 = FloatVector.broadcast(S, a[ai + d2]);
            c20 = x2.fma(b0, c20); c21 = x2.fma(b1, c21); c22 = x2.fma(b2, c22); c23 = x2.fma(b3, c23);
            FloatVector x3 = FloatVector.broadcast(S, a[ai + d3]);
            c30 = x3.fma(b0, c30); c31 = x3.fma(b1, c31); c32 = x3.fma(b2, c32); c33 = x3.fma(b3, c33);
            FloatVector x4 = FloatVector.broadcast(S, a[ai + d4]);
            c40 = x4.fma(b0, c40); c41 = x4.fma(b1, c41); c42 = x4.fma(b2, c42); c43 = x4.fma(b3, c43);
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + L);
        c02.intoArray(c, c0 + 2 * L);
        c03.intoArray(c, c0 + 3 * L);
        c10.intoArray(c, c1);
        c11.intoArray(c, c1 + L);
        c12.intoArray(c, c1 + 2 * L);
        c13.intoArray(c, c1 + 3 * L);
        c20.intoArray(c, c2);
        c21.intoArray(c, c2 + L);
        c22.intoArray(c, c2 + 2 * L);
        c23.intoArray(c, c2 + 3 * L);
        c30.intoArray(c, c3);
        c31.intoArray(c, c3 + L);
        c32.intoArray(c, c3 + 2 * L);
        c33.intoArray(c, c3 + 3 * L);
        c40.intoArray(c, c4);
        c41.intoArray(c, c4 + L);
        c42.intoArray(c, c4 + 2 * L);
        c43.intoArray(c, c4 + 3 * L);
    }

    /** Shifted product: 4 rows x 4 vectors, rows as in {@link #shifted6x4}; 4 loads and 4 broadcasts feed 16 fma. */
    private static void shifted4x4(int kc, float[] a, int[] aRows, int r, int[] aCols, int p0, float[] b, int bBase,
                                   float[] c, int cIdx, int ldc, boolean accumulate) {
        int a0 = aRows[r];
        int d1 = aRows[r + 1] - a0;
        int d2 = aRows[r + 2] - a0;
        int d3 = aRows[r + 3] - a0;
        int c0 = cIdx;
        int c1 = cIdx + 1 * ldc;
        int c2 = cIdx + 2 * ldc;
        int c3 = cIdx + 3 * ldc;
        FloatVector c00 = accumulate ? FloatVector.fromArray(S, c, c0) : FloatVector.zero(S);
        FloatVector c01 = accumulate ? FloatVector.fromArray(S, c, c0 + L) : FloatVector.zero(S);
        FloatVector c02 = accumulate ? FloatVector.fromArray(S, c, c0 + 2 * L) : FloatVector.zero(S);
        FloatVector c03 = accumulate ? FloatVector.fromArray(S, c, c0 + 3 * L) : FloatVector.zero(S);
        FloatVector c10 = accumulate ? FloatVector.fromArray(S, c, c1) : FloatVector.zero(S);
        FloatVector c11 = accumulate ? FloatVector.fromArray(S, c, c1 + L) : FloatVector.zero(S);
        FloatVector c12 = accumulate ? FloatVector.fromArray(S, c, c1 + 2 * L) : FloatVector.zero(S);
        FloatVector c13 = accumulate ? FloatVector.fromArray(S, c, c1 + 3 * L) : FloatVector.zero(S);
        FloatVector c20 = accumulate ? FloatVector.fromArray(S, c, c2) : FloatVector.zero(S);
        FloatVector c21 = accumulate ? FloatVector.fromArray(S, c, c2 + L) : FloatVector.zero(S);
        FloatVector c22 = accumulate ? FloatVector.fromArray(S, c, c2 + 2 * L) : FloatVector.zero(S);
        FloatVector c23 = accumulate ? FloatVector.fromArray(S, c, c2 + 3 * L) : FloatVector.zero(S);
        FloatVector c30 = accumulate ? FloatVector.fromArray(S, c, c3) : FloatVector.zero(S);
        FloatVector c31 = accumulate ? FloatVector.fromArray(S, c, c3 + L) : FloatVector.zero(S);
        FloatVector c32 = accumulate ? FloatVector.fromArray(S, c, c3 + 2 * L) : FloatVector.zero(S);
        FloatVector c33 = accumulate ? FloatVector.fromArray(S, c, c3 + 3 * L) : FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bi = bBase + p * SHIFTED_WIDTH;
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, b, bi + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, b, bi + 3 * L);
            int ai = a0 + aCols[p0 + p];
            FloatVector x0 = FloatVector.broadcast(S, a[ai]);
            c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01); c02 = x0.fma(b2, c02); c03 = x0.fma(b3, c03);
            FloatVector x1 = FloatVector.broadcast(S, a[ai + d1]);
            c10 = x1.fma(b0, c10); c11 = x1.fma(b1, c11); c12 = x1.fma(b2, c12); c13 = x1.fma(b3, c13);
            FloatVector x2 = FloatVector.broadcast(S, a[ai + d2]);
            c20 = x2.fma(b0, c20); c21 = x2.fma(b1, c21); c22 = x2.fma(b2, c22); c23 = x2.fma(b3, c23);
            FloatVector x3 = FloatVector.broadcast(S, a[ai + d3]);
            c30 = x3.fma(b0, c30); c31 = x3.fma(b1, c31); c32 = x3.fma(b2, c32); c33 = x3.fma(b3, c33);
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + L);
        c02.intoArray(c, c0 + 2 * L);
        c03.intoArray(c, c0 + 3 * L);
        c10.intoArray(c, c1);
        c11.intoArray(c, c1 + L);
        c12.intoArray(c, c1 + 2 * L);
        c13.intoArray(c, c1 + 3 * L);
        c20.intoArray(c, c2);
        c21.intoArray(c, c2 + L);
        c22.intoArray(c, c2 + 2 * L);
        c23.intoArray(c, c2 + 3 * L);
        c30.intoArray(c, c3);
        c31.intoArray(c, c3 + L);
        c32.intoArray(c, c3 + 2 * L);
        c33.intoArray(c, c3 + 3 * L);
    }

    /** Shifted product: 1 row x 1 vector, for the rows left over. */
    private static void shifted1x1(int kc, float[] a, int a0, int[] aCols, int p0, float[] b, int bBase,
                                   float[] c, int c0, boolean accumulate) {
        FloatVector c00 = accumulate ? FloatVector.fromArray(S, c, c0) : FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bi = bBase + p * SHIFTED_WIDTH;
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            int ai = a0 + aCols[p0 + p];
            FloatVector x0 = FloatVector.broadcast(S, a[ai]);
            c00 = x0.fma(b0, c00);
        }
        c00.intoArray(c, c0);
    }

    /** 1 row x 1 vector, for the rows left over in panels 1 vector wide (or less, padded to 1 vector). */
    private static void kernel1x1(int kc, float[] a, int a0, int aStep, float[] b, int[] bRows, int bFrom, int bBase,
                                  float[] c, int cIdx, boolean accumulate) {
        FloatVector acc = accumulate ? FloatVector.fromArray(S, c, cIdx) : FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bi = bRows == null ? bBase + p * L : bRows[bFrom + p] + bBase;
            acc = FloatVector.broadcast(S, a[a0 + p * aStep]).fma(FloatVector.fromArray(S, b, bi), acc);
        }
        acc.intoArray(c, cIdx);
    }

    /**
     * 8 rows of A, packed as [p][8] from {@code a0}, x 2 vectors of B read in place, each from its own
     * start ({@code b0}, {@code b1}: a row of pixels apart where a row is one vector); 16 accumulators.
     * They start at zero and C is added after the loop: with C's 8 row starts live across the loop, C2
     * ran out of general registers and, on Intel, kept some in vector registers, moving them back and forth
     * on the ports the fma need in every step (1.4x slower on ResNet-20's stage 1).
     */
    private static void rows8x2(int kc, float[] a, int a0, float[] b, int[] bRows, int bFrom, int b0, int b1,
                                float[] c, int c0, int c1, int ldc, boolean accumulate) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c51 = FloatVector.zero(S);
        FloatVector c60 = FloatVector.zero(S);
        FloatVector c61 = FloatVector.zero(S);
        FloatVector c70 = FloatVector.zero(S);
        FloatVector c71 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int row = bRows[bFrom + p];
            FloatVector y0 = FloatVector.fromArray(S, b, row + b0);
            FloatVector y1 = FloatVector.fromArray(S, b, row + b1);
            int ap = a0 + 8 * p;
            FloatVector x0 = FloatVector.broadcast(S, a[ap + 0]);
            c00 = x0.fma(y0, c00); c01 = x0.fma(y1, c01);
            FloatVector x1 = FloatVector.broadcast(S, a[ap + 1]);
            c10 = x1.fma(y0, c10); c11 = x1.fma(y1, c11);
            FloatVector x2 = FloatVector.broadcast(S, a[ap + 2]);
            c20 = x2.fma(y0, c20); c21 = x2.fma(y1, c21);
            FloatVector x3 = FloatVector.broadcast(S, a[ap + 3]);
            c30 = x3.fma(y0, c30); c31 = x3.fma(y1, c31);
            FloatVector x4 = FloatVector.broadcast(S, a[ap + 4]);
            c40 = x4.fma(y0, c40); c41 = x4.fma(y1, c41);
            FloatVector x5 = FloatVector.broadcast(S, a[ap + 5]);
            c50 = x5.fma(y0, c50); c51 = x5.fma(y1, c51);
            FloatVector x6 = FloatVector.broadcast(S, a[ap + 6]);
            c60 = x6.fma(y0, c60); c61 = x6.fma(y1, c61);
            FloatVector x7 = FloatVector.broadcast(S, a[ap + 7]);
            c70 = x7.fma(y0, c70); c71 = x7.fma(y1, c71);
        }
        if (accumulate) {
            c00 = c00.add(FloatVector.fromArray(S, c, c0));
            c01 = c01.add(FloatVector.fromArray(S, c, c1));
            c10 = c10.add(FloatVector.fromArray(S, c, c0 + 1 * ldc));
            c11 = c11.add(FloatVector.fromArray(S, c, c1 + 1 * ldc));
            c20 = c20.add(FloatVector.fromArray(S, c, c0 + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(S, c, c1 + 2 * ldc));
            c30 = c30.add(FloatVector.fromArray(S, c, c0 + 3 * ldc));
            c31 = c31.add(FloatVector.fromArray(S, c, c1 + 3 * ldc));
            c40 = c40.add(FloatVector.fromArray(S, c, c0 + 4 * ldc));
            c41 = c41.add(FloatVector.fromArray(S, c, c1 + 4 * ldc));
            c50 = c50.add(FloatVector.fromArray(S, c, c0 + 5 * ldc));
            c51 = c51.add(FloatVector.fromArray(S, c, c1 + 5 * ldc));
            c60 = c60.add(FloatVector.fromArray(S, c, c0 + 6 * ldc));
            c61 = c61.add(FloatVector.fromArray(S, c, c1 + 6 * ldc));
            c70 = c70.add(FloatVector.fromArray(S, c, c0 + 7 * ldc));
            c71 = c71.add(FloatVector.fromArray(S, c, c1 + 7 * ldc));
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c1);
        c10.intoArray(c, c0 + 1 * ldc);
        c11.intoArray(c, c1 + 1 * ldc);
        c20.intoArray(c, c0 + 2 * ldc);
        c21.intoArray(c, c1 + 2 * ldc);
        c30.intoArray(c, c0 + 3 * ldc);
        c31.intoArray(c, c1 + 3 * ldc);
        c40.intoArray(c, c0 + 4 * ldc);
        c41.intoArray(c, c1 + 4 * ldc);
        c50.intoArray(c, c0 + 5 * ldc);
        c51.intoArray(c, c1 + 5 * ldc);
        c60.intoArray(c, c0 + 6 * ldc);
        c61.intoArray(c, c1 + 6 * ldc);
        c70.intoArray(c, c0 + 7 * ldc);
        c71.intoArray(c, c1 + 7 * ldc);
    }

    /**
     * 6 rows x 4 vectors of packed B: 24 accumulators; per step 4 loads and 6 broadcasts feed 24 fma (the
     * 4-row kernel's 8 fed 16). As in {@link #rows8x2}, the sums start at zero and C is added after the loop,
     * so that C's row starts need no registers across it.
     */
    private static void kernel6x4(int kc, float[] a, int a0, int a1, int a2, int a3, int a4, int a5, int aStep,
                                  float[] b, int bBase, float[] c, int cIdx, int ldc, boolean accumulate) {
        FloatVector c00 = FloatVector.zero(S);
        FloatVector c01 = FloatVector.zero(S);
        FloatVector c02 = FloatVector.zero(S);
        FloatVector c03 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S);
        FloatVector c11 = FloatVector.zero(S);
        FloatVector c12 = FloatVector.zero(S);
        FloatVector c13 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S);
        FloatVector c21 = FloatVector.zero(S);
        FloatVector c22 = FloatVector.zero(S);
        FloatVector c23 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S);
        FloatVector c31 = FloatVector.zero(S);
        FloatVector c32 = FloatVector.zero(S);
        FloatVector c33 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S);
        FloatVector c41 = FloatVector.zero(S);
        FloatVector c42 = FloatVector.zero(S);
        FloatVector c43 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S);
        FloatVector c51 = FloatVector.zero(S);
        FloatVector c52 = FloatVector.zero(S);
        FloatVector c53 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bi = bBase + p * 4 * L;
            FloatVector b0 = FloatVector.fromArray(S, b, bi);
            FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, b, bi + 2 * L);
            FloatVector b3 = FloatVector.fromArray(S, b, bi + 3 * L);
            int ap = p * aStep;
            FloatVector x0 = FloatVector.broadcast(S, a[a0 + ap]);
            c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01); c02 = x0.fma(b2, c02); c03 = x0.fma(b3, c03);
            FloatVector x1 = FloatVector.broadcast(S, a[a1 + ap]);
            c10 = x1.fma(b0, c10); c11 = x1.fma(b1, c11); c12 = x1.fma(b2, c12); c13 = x1.fma(b3, c13);
            FloatVector x2 = FloatVector.broadcast(S, a[a2 + ap]);
            c20 = x2.fma(b0, c20); c21 = x2.fma(b1, c21); c22 = x2.fma(b2, c22); c23 = x2.fma(b3, c23);
            FloatVector x3 = FloatVector.broadcast(S, a[a3 + ap]);
            c30 = x3.fma(b0, c30); c31 = x3.fma(b1, c31); c32 = x3.fma(b2, c32); c33 = x3.fma(b3, c33);
            FloatVector x4 = FloatVector.broadcast(S, a[a4 + ap]);
            c40 = x4.fma(b0, c40); c41 = x4.fma(b1, c41); c42 = x4.fma(b2, c42); c43 = x4.fma(b3, c43);
            FloatVector x5 = FloatVector.broadcast(S, a[a5 + ap]);
            c50 = x5.fma(b0, c50); c51 = x5.fma(b1, c51); c52 = x5.fma(b2, c52); c53 = x5.fma(b3, c53);
        }
        if (accumulate) {
            c00 = c00.add(FloatVector.fromArray(S, c, cIdx));
            c01 = c01.add(FloatVector.fromArray(S, c, cIdx + L));
            c02 = c02.add(FloatVector.fromArray(S, c, cIdx + 2 * L));
            c03 = c03.add(FloatVector.fromArray(S, c, cIdx + 3 * L));
            c10 = c10.add(FloatVector.fromArray(S, c, cIdx + 1 * ldc));
            c11 = c11.add(FloatVector.fromArray(S, c, cIdx + 1 * ldc + L));
            c12 = c12.add(FloatVector.fromArray(S, c, cIdx + 1 * ldc + 2 * L));
            c13 = c13.add(FloatVector.fromArray(S, c, cIdx + 1 * ldc + 3 * L));
            c20 = c20.add(FloatVector.fromArray(S, c, cIdx + 2 * ldc));
            c21 = c21.add(FloatVector.fromArray(S, c, cIdx + 2 * ldc + L));
            c22 = c22.add(FloatVector.fromArray(S, c, cIdx + 2 * ldc + 2 * L));
            c23 = c23.add(FloatVector.fromArray(S, c, cIdx + 2 * ldc + 3 * L));
            c30 = c30.add(FloatVector.fromArray(S, c, cIdx + 3 * ldc));
            c31 = c31.add(FloatVector.fromArray(S, c, cIdx + 3 * ldc + L));
            c32 = c32.add(FloatVector.fromArray(S, c, cIdx + 3 * ldc + 2 * L));
            c33 = c33.add(FloatVector.fromArray(S, c, cIdx + 3 * ldc + 3 * L));
            c40 = c40.add(FloatVector.fromArray(S, c, cIdx + 4 * ldc));
            c41 = c41.add(FloatVector.fromArray(S, c, cIdx + 4 * ldc + L));
            c42 = c42.add(FloatVector.fromArray(S, c, cIdx + 4 * ldc + 2 * L));
            c43 = c43.add(FloatVector.fromArray(S, c, cIdx + 4 * ldc + 3 * L));
            c50 = c50.add(FloatVector.fromArray(S, c, cIdx + 5 * ldc));
            c51 = c51.add(FloatVector.fromArray(S, c, cIdx + 5 * ldc + L));
            c52 = c52.add(FloatVector.fromArray(S, c, cIdx + 5 * ldc + 2 * L));
            c53 = c53.add(FloatVector.fromArray(S, c, cIdx + 5 * ldc + 3 * L));
        }
        c00.intoArray(c, cIdx);
        c01.intoArray(c, cIdx + L);
        c02.intoArray(c, cIdx + 2 * L);
        c03.intoArray(c, cIdx + 3 * L);
        c10.intoArray(c, cIdx + 1 * ldc);
        c11.intoArray(c, cIdx + 1 * ldc + L);
        c12.intoArray(c, cIdx + 1 * ldc + 2 * L);
        c13.intoArray(c, cIdx + 1 * ldc + 3 * L);
        c20.intoArray(c, cIdx + 2 * ldc);
        c21.intoArray(c, cIdx + 2 * ldc + L);
        c22.intoArray(c, cIdx + 2 * ldc + 2 * L);
        c23.intoArray(c, cIdx + 2 * ldc + 3 * L);
        c30.intoArray(c, cIdx + 3 * ldc);
        c31.intoArray(c, cIdx + 3 * ldc + L);
        c32.intoArray(c, cIdx + 3 * ldc + 2 * L);
        c33.intoArray(c, cIdx + 3 * ldc + 3 * L);
        c40.intoArray(c, cIdx + 4 * ldc);
        c41.intoArray(c, cIdx + 4 * ldc + L);
        c42.intoArray(c, cIdx + 4 * ldc + 2 * L);
        c43.intoArray(c, cIdx + 4 * ldc + 3 * L);
        c50.intoArray(c, cIdx + 5 * ldc);
        c51.intoArray(c, cIdx + 5 * ldc + L);
        c52.intoArray(c, cIdx + 5 * ldc + 2 * L);
        c53.intoArray(c, cIdx + 5 * ldc + 3 * L);
    }

    /** 4 rows x 4 vectors: 16 accumulators; per step 4 loads and 4 broadcasts feed 16 fma. */
    private static void kernel4x4(int kc, float[] a, int a0, int a1, int a2, int a3, int aStep,
                                  float[] b, int[] bRows, int bFrom, int bBase,
                                  float[] c, int cIdx, int ldc, boolean accumulate) {
        int c0 = cIdx;
        int c1 = cIdx + ldc;
        int c2 = cIdx + 2 * ldc;
        int c3 = cIdx + 3 * ldc;
        FloatVector c00 = accumulate ? FloatVector.fromArray(S, c, c0) : FloatVector.zero(S);
        FloatVector c01 = accumulate ? FloatVector.fromArray(S, c, c0 + L) : FloatVector.zero(S);
        FloatVector c02 = accumulate ? FloatVector.fromArray(S, c, c0 + 2 * L) : FloatVector.zero(S);
        FloatVector c03 = accumulate ? FloatVector.fromArray(S, c, c0 + 3 * L) : FloatVector.zero(S);
        FloatVector c10 = accumulate ? FloatVector.fromArray(S, c, c1) : FloatVector.zero(S);
        FloatVector c11 = accumulate ? FloatVector.fromArray(S, c, c1 + L) : FloatVector.zero(S);
        FloatVector c12 = accumulate ? FloatVector.fromArray(S, c, c1 + 2 * L) : FloatVector.zero(S);
        FloatVector c13 = accumulate ? FloatVector.fromArray(S, c, c1 + 3 * L) : FloatVector.zero(S);
        FloatVector c20 = accumulate ? FloatVector.fromArray(S, c, c2) : FloatVector.zero(S);
        FloatVector c21 = accumulate ? FloatVector.fromArray(S, c, c2 + L) : FloatVector.zero(S);
        FloatVector c22 = accumulate ? FloatVector.fromArray(S, c, c2 + 2 * L) : FloatVector.zero(S);
        FloatVector c23 = accumulate ? FloatVector.fromArray(S, c, c2 + 3 * L) : FloatVector.zero(S);
        FloatVector c30 = accumulate ? FloatVector.fromArray(S, c, c3) : FloatVector.zero(S);
        FloatVector c31 = accumulate ? FloatVector.fromArray(S, c, c3 + L) : FloatVector.zero(S);
        FloatVector c32 = accumulate ? FloatVector.fromArray(S, c, c3 + 2 * L) : FloatVector.zero(S);
        FloatVector c33 = accumulate ? FloatVector.fromArray(S, c, c3 + 3 * L) : FloatVector.zero(S);
        if (bRows == null) {
            for (int p = 0; p < kc; p++) {
                int bi = bBase + p * 4 * L;
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                FloatVector b2 = FloatVector.fromArray(S, b, bi + 2 * L);
                FloatVector b3 = FloatVector.fromArray(S, b, bi + 3 * L);
                int ap = p * aStep;
                FloatVector x0 = FloatVector.broadcast(S, a[a0 + ap]);
                c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01); c02 = x0.fma(b2, c02); c03 = x0.fma(b3, c03);
                FloatVector x1 = FloatVector.broadcast(S, a[a1 + ap]);
                c10 = x1.fma(b0, c10); c11 = x1.fma(b1, c11); c12 = x1.fma(b2, c12); c13 = x1.fma(b3, c13);
                FloatVector x2 = FloatVector.broadcast(S, a[a2 + ap]);
                c20 = x2.fma(b0, c20); c21 = x2.fma(b1, c21); c22 = x2.fma(b2, c22); c23 = x2.fma(b3, c23);
                FloatVector x3 = FloatVector.broadcast(S, a[a3 + ap]);
                c30 = x3.fma(b0, c30); c31 = x3.fma(b1, c31); c32 = x3.fma(b2, c32); c33 = x3.fma(b3, c33);
            }
        } else {
            for (int p = 0; p < kc; p++) {
                int bi = bRows[bFrom + p] + bBase;
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                FloatVector b2 = FloatVector.fromArray(S, b, bi + 2 * L);
                FloatVector b3 = FloatVector.fromArray(S, b, bi + 3 * L);
                int ap = p * aStep;
                FloatVector x0 = FloatVector.broadcast(S, a[a0 + ap]);
                c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01); c02 = x0.fma(b2, c02); c03 = x0.fma(b3, c03);
                FloatVector x1 = FloatVector.broadcast(S, a[a1 + ap]);
                c10 = x1.fma(b0, c10); c11 = x1.fma(b1, c11); c12 = x1.fma(b2, c12); c13 = x1.fma(b3, c13);
                FloatVector x2 = FloatVector.broadcast(S, a[a2 + ap]);
                c20 = x2.fma(b0, c20); c21 = x2.fma(b1, c21); c22 = x2.fma(b2, c22); c23 = x2.fma(b3, c23);
                FloatVector x3 = FloatVector.broadcast(S, a[a3 + ap]);
                c30 = x3.fma(b0, c30); c31 = x3.fma(b1, c31); c32 = x3.fma(b2, c32); c33 = x3.fma(b3, c33);
            }
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + L);
        c02.intoArray(c, c0 + 2 * L);
        c03.intoArray(c, c0 + 3 * L);
        c10.intoArray(c, c1);
        c11.intoArray(c, c1 + L);
        c12.intoArray(c, c1 + 2 * L);
        c13.intoArray(c, c1 + 3 * L);
        c20.intoArray(c, c2);
        c21.intoArray(c, c2 + L);
        c22.intoArray(c, c2 + 2 * L);
        c23.intoArray(c, c2 + 3 * L);
        c30.intoArray(c, c3);
        c31.intoArray(c, c3 + L);
        c32.intoArray(c, c3 + 2 * L);
        c33.intoArray(c, c3 + 3 * L);
    }

    /**
     * 8 rows x 2 vectors, for panels 2 vectors wide (the weight gradient of 32-channel convolutions):
     * 16 accumulators, where 4 rows leave the fma latency barely covered.
     */
    private static void kernel8x2(int kc, float[] a, int a0, int a1, int a2, int a3, int a4, int a5, int a6, int a7,
                                  int aStep, float[] b, int[] bRows, int bFrom, int bBase,
                                  float[] c, int cIdx, int ldc, boolean accumulate) {
        int c0 = cIdx;
        int c1 = cIdx + 1 * ldc;
        int c2 = cIdx + 2 * ldc;
        int c3 = cIdx + 3 * ldc;
        int c4 = cIdx + 4 * ldc;
        int c5 = cIdx + 5 * ldc;
        int c6 = cIdx + 6 * ldc;
        int c7 = cIdx + 7 * ldc;
        FloatVector c00 = accumulate ? FloatVector.fromArray(S, c, c0) : FloatVector.zero(S);
        FloatVector c01 = accumulate ? FloatVector.fromArray(S, c, c0 + L) : FloatVector.zero(S);
        FloatVector c10 = accumulate ? FloatVector.fromArray(S, c, c1) : FloatVector.zero(S);
        FloatVector c11 = accumulate ? FloatVector.fromArray(S, c, c1 + L) : FloatVector.zero(S);
        FloatVector c20 = accumulate ? FloatVector.fromArray(S, c, c2) : FloatVector.zero(S);
        FloatVector c21 = accumulate ? FloatVector.fromArray(S, c, c2 + L) : FloatVector.zero(S);
        FloatVector c30 = accumulate ? FloatVector.fromArray(S, c, c3) : FloatVector.zero(S);
        FloatVector c31 = accumulate ? FloatVector.fromArray(S, c, c3 + L) : FloatVector.zero(S);
        FloatVector c40 = accumulate ? FloatVector.fromArray(S, c, c4) : FloatVector.zero(S);
        FloatVector c41 = accumulate ? FloatVector.fromArray(S, c, c4 + L) : FloatVector.zero(S);
        FloatVector c50 = accumulate ? FloatVector.fromArray(S, c, c5) : FloatVector.zero(S);
        FloatVector c51 = accumulate ? FloatVector.fromArray(S, c, c5 + L) : FloatVector.zero(S);
        FloatVector c60 = accumulate ? FloatVector.fromArray(S, c, c6) : FloatVector.zero(S);
        FloatVector c61 = accumulate ? FloatVector.fromArray(S, c, c6 + L) : FloatVector.zero(S);
        FloatVector c70 = accumulate ? FloatVector.fromArray(S, c, c7) : FloatVector.zero(S);
        FloatVector c71 = accumulate ? FloatVector.fromArray(S, c, c7 + L) : FloatVector.zero(S);
        if (bRows == null) {
            for (int p = 0; p < kc; p++) {
                int bi = bBase + p * 2 * L;
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                int ap = p * aStep;
                FloatVector x0 = FloatVector.broadcast(S, a[a0 + ap]);
                c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01);
                FloatVector x1 = FloatVector.broadcast(S, a[a1 + ap]);
                c10 = x1.fma(b0, c10); c11 = x1.fma(b1, c11);
                FloatVector x2 = FloatVector.broadcast(S, a[a2 + ap]);
                c20 = x2.fma(b0, c20); c21 = x2.fma(b1, c21);
                FloatVector x3 = FloatVector.broadcast(S, a[a3 + ap]);
                c30 = x3.fma(b0, c30); c31 = x3.fma(b1, c31);
                FloatVector x4 = FloatVector.broadcast(S, a[a4 + ap]);
                c40 = x4.fma(b0, c40); c41 = x4.fma(b1, c41);
                FloatVector x5 = FloatVector.broadcast(S, a[a5 + ap]);
                c50 = x5.fma(b0, c50); c51 = x5.fma(b1, c51);
                FloatVector x6 = FloatVector.broadcast(S, a[a6 + ap]);
                c60 = x6.fma(b0, c60); c61 = x6.fma(b1, c61);
                FloatVector x7 = FloatVector.broadcast(S, a[a7 + ap]);
                c70 = x7.fma(b0, c70); c71 = x7.fma(b1, c71);
            }
        } else {
            for (int p = 0; p < kc; p++) {
                int bi = bRows[bFrom + p] + bBase;
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                int ap = p * aStep;
                FloatVector x0 = FloatVector.broadcast(S, a[a0 + ap]);
                c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01);
                FloatVector x1 = FloatVector.broadcast(S, a[a1 + ap]);
                c10 = x1.fma(b0, c10); c11 = x1.fma(b1, c11);
                FloatVector x2 = FloatVector.broadcast(S, a[a2 + ap]);
                c20 = x2.fma(b0, c20); c21 = x2.fma(b1, c21);
                FloatVector x3 = FloatVector.broadcast(S, a[a3 + ap]);
                c30 = x3.fma(b0, c30); c31 = x3.fma(b1, c31);
                FloatVector x4 = FloatVector.broadcast(S, a[a4 + ap]);
                c40 = x4.fma(b0, c40); c41 = x4.fma(b1, c41);
                FloatVector x5 = FloatVector.broadcast(S, a[a5 + ap]);
                c50 = x5.fma(b0, c50); c51 = x5.fma(b1, c51);
                FloatVector x6 = FloatVector.broadcast(S, a[a6 + ap]);
                c60 = x6.fma(b0, c60); c61 = x6.fma(b1, c61);
                FloatVector x7 = FloatVector.broadcast(S, a[a7 + ap]);
                c70 = x7.fma(b0, c70); c71 = x7.fma(b1, c71);
            }
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + L);
        c10.intoArray(c, c1);
        c11.intoArray(c, c1 + L);
        c20.intoArray(c, c2);
        c21.intoArray(c, c2 + L);
        c30.intoArray(c, c3);
        c31.intoArray(c, c3 + L);
        c40.intoArray(c, c4);
        c41.intoArray(c, c4 + L);
        c50.intoArray(c, c5);
        c51.intoArray(c, c5 + L);
        c60.intoArray(c, c6);
        c61.intoArray(c, c6 + L);
        c70.intoArray(c, c7);
        c71.intoArray(c, c7 + L);
    }

    /** 4 rows x 2 vectors, for the rows of 2-vector panels that the 8-row kernel leaves over. */
    private static void kernel4x2(int kc, float[] a, int a0, int a1, int a2, int a3, int aStep,
                                  float[] b, int[] bRows, int bFrom, int bBase,
                                  float[] c, int cIdx, int ldc, boolean accumulate) {
        int c0 = cIdx;
        int c1 = cIdx + ldc;
        int c2 = cIdx + 2 * ldc;
        int c3 = cIdx + 3 * ldc;
        FloatVector c00 = accumulate ? FloatVector.fromArray(S, c, c0) : FloatVector.zero(S);
        FloatVector c01 = accumulate ? FloatVector.fromArray(S, c, c0 + L) : FloatVector.zero(S);
        FloatVector c10 = accumulate ? FloatVector.fromArray(S, c, c1) : FloatVector.zero(S);
        FloatVector c11 = accumulate ? FloatVector.fromArray(S, c, c1 + L) : FloatVector.zero(S);
        FloatVector c20 = accumulate ? FloatVector.fromArray(S, c, c2) : FloatVector.zero(S);
        FloatVector c21 = accumulate ? FloatVector.fromArray(S, c, c2 + L) : FloatVector.zero(S);
        FloatVector c30 = accumulate ? FloatVector.fromArray(S, c, c3) : FloatVector.zero(S);
        FloatVector c31 = accumulate ? FloatVector.fromArray(S, c, c3 + L) : FloatVector.zero(S);
        if (bRows == null) {
            for (int p = 0; p < kc; p++) {
                int bi = bBase + p * 2 * L;
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                int ap = p * aStep;
                FloatVector x0 = FloatVector.broadcast(S, a[a0 + ap]);
                c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01);
                FloatVector x1 = FloatVector.broadcast(S, a[a1 + ap]);
                c10 = x1.fma(b0, c10); c11 = x1.fma(b1, c11);
                FloatVector x2 = FloatVector.broadcast(S, a[a2 + ap]);
                c20 = x2.fma(b0, c20); c21 = x2.fma(b1, c21);
                FloatVector x3 = FloatVector.broadcast(S, a[a3 + ap]);
                c30 = x3.fma(b0, c30); c31 = x3.fma(b1, c31);
            }
        } else {
            for (int p = 0; p < kc; p++) {
                int bi = bRows[bFrom + p] + bBase;
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                int ap = p * aStep;
                FloatVector x0 = FloatVector.broadcast(S, a[a0 + ap]);
                c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01);
                FloatVector x1 = FloatVector.broadcast(S, a[a1 + ap]);
                c10 = x1.fma(b0, c10); c11 = x1.fma(b1, c11);
                FloatVector x2 = FloatVector.broadcast(S, a[a2 + ap]);
                c20 = x2.fma(b0, c20); c21 = x2.fma(b1, c21);
                FloatVector x3 = FloatVector.broadcast(S, a[a3 + ap]);
                c30 = x3.fma(b0, c30); c31 = x3.fma(b1, c31);
            }
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + L);
        c10.intoArray(c, c1);
        c11.intoArray(c, c1 + L);
        c20.intoArray(c, c2);
        c21.intoArray(c, c2 + L);
        c30.intoArray(c, c3);
        c31.intoArray(c, c3 + L);
    }

    /** 8 rows x 1 vector, for panels 1 vector wide: 8 accumulators still cover the fma latency. */
    private static void kernel8x1(int kc, float[] a, int a0, int a1, int a2, int a3, int a4, int a5, int a6, int a7, int aStep,
                                  float[] b, int[] bRows, int bFrom, int bBase,
                                  float[] c, int cIdx, int ldc, boolean accumulate) {
        int c0 = cIdx;
        int c1 = cIdx + ldc;
        int c2 = cIdx + 2 * ldc;
        int c3 = cIdx + 3 * ldc;
        int c4 = cIdx + 4 * ldc;
        int c5 = cIdx + 5 * ldc;
        int c6 = cIdx + 6 * ldc;
        int c7 = cIdx + 7 * ldc;
        FloatVector c00 = accumulate ? FloatVector.fromArray(S, c, c0) : FloatVector.zero(S);
        FloatVector c10 = accumulate ? FloatVector.fromArray(S, c, c1) : FloatVector.zero(S);
        FloatVector c20 = accumulate ? FloatVector.fromArray(S, c, c2) : FloatVector.zero(S);
        FloatVector c30 = accumulate ? FloatVector.fromArray(S, c, c3) : FloatVector.zero(S);
        FloatVector c40 = accumulate ? FloatVector.fromArray(S, c, c4) : FloatVector.zero(S);
        FloatVector c50 = accumulate ? FloatVector.fromArray(S, c, c5) : FloatVector.zero(S);
        FloatVector c60 = accumulate ? FloatVector.fromArray(S, c, c6) : FloatVector.zero(S);
        FloatVector c70 = accumulate ? FloatVector.fromArray(S, c, c7) : FloatVector.zero(S);
        if (bRows == null) {
            for (int p = 0; p < kc; p++) {
                int bi = bBase + p * L;
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                int ap = p * aStep;
                FloatVector x0 = FloatVector.broadcast(S, a[a0 + ap]);
                c00 = x0.fma(b0, c00);
                FloatVector x1 = FloatVector.broadcast(S, a[a1 + ap]);
                c10 = x1.fma(b0, c10);
                FloatVector x2 = FloatVector.broadcast(S, a[a2 + ap]);
                c20 = x2.fma(b0, c20);
                FloatVector x3 = FloatVector.broadcast(S, a[a3 + ap]);
                c30 = x3.fma(b0, c30);
                FloatVector x4 = FloatVector.broadcast(S, a[a4 + ap]);
                c40 = x4.fma(b0, c40);
                FloatVector x5 = FloatVector.broadcast(S, a[a5 + ap]);
                c50 = x5.fma(b0, c50);
                FloatVector x6 = FloatVector.broadcast(S, a[a6 + ap]);
                c60 = x6.fma(b0, c60);
                FloatVector x7 = FloatVector.broadcast(S, a[a7 + ap]);
                c70 = x7.fma(b0, c70);
            }
        } else {
            for (int p = 0; p < kc; p++) {
                int bi = bRows[bFrom + p] + bBase;
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                int ap = p * aStep;
                FloatVector x0 = FloatVector.broadcast(S, a[a0 + ap]);
                c00 = x0.fma(b0, c00);
                FloatVector x1 = FloatVector.broadcast(S, a[a1 + ap]);
                c10 = x1.fma(b0, c10);
                FloatVector x2 = FloatVector.broadcast(S, a[a2 + ap]);
                c20 = x2.fma(b0, c20);
                FloatVector x3 = FloatVector.broadcast(S, a[a3 + ap]);
                c30 = x3.fma(b0, c30);
                FloatVector x4 = FloatVector.broadcast(S, a[a4 + ap]);
                c40 = x4.fma(b0, c40);
                FloatVector x5 = FloatVector.broadcast(S, a[a5 + ap]);
                c50 = x5.fma(b0, c50);
                FloatVector x6 = FloatVector.broadcast(S, a[a6 + ap]);
                c60 = x6.fma(b0, c60);
                FloatVector x7 = FloatVector.broadcast(S, a[a7 + ap]);
                c70 = x7.fma(b0, c70);
            }
        }
        c00.intoArray(c, c0);
        c10.intoArray(c, c1);
        c20.intoArray(c, c2);
        c30.intoArray(c, c3);
        c40.intoArray(c, c4);
        c50.intoArray(c, c5);
        c60.intoArray(c, c6);
        c70.intoArray(c, c7);
    }

    /** 1 row x 4 vectors, for the rows a 4-row kernel leaves over in a 4-vector panel. */
    private static void kernel1x4(int kc, float[] a, int a0, int aStep,
                                  float[] b, int[] bRows, int bFrom, int bBase,
                                  float[] c, int cIdx, boolean accumulate) {
        int c0 = cIdx;
        FloatVector c00 = accumulate ? FloatVector.fromArray(S, c, c0) : FloatVector.zero(S);
        FloatVector c01 = accumulate ? FloatVector.fromArray(S, c, c0 + L) : FloatVector.zero(S);
        FloatVector c02 = accumulate ? FloatVector.fromArray(S, c, c0 + 2 * L) : FloatVector.zero(S);
        FloatVector c03 = accumulate ? FloatVector.fromArray(S, c, c0 + 3 * L) : FloatVector.zero(S);
        if (bRows == null) {
            for (int p = 0; p < kc; p++) {
                int bi = bBase + p * 4 * L;
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                FloatVector b2 = FloatVector.fromArray(S, b, bi + 2 * L);
                FloatVector b3 = FloatVector.fromArray(S, b, bi + 3 * L);
                int ap = p * aStep;
                FloatVector x0 = FloatVector.broadcast(S, a[a0 + ap]);
                c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01); c02 = x0.fma(b2, c02); c03 = x0.fma(b3, c03);
            }
        } else {
            for (int p = 0; p < kc; p++) {
                int bi = bRows[bFrom + p] + bBase;
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                FloatVector b2 = FloatVector.fromArray(S, b, bi + 2 * L);
                FloatVector b3 = FloatVector.fromArray(S, b, bi + 3 * L);
                int ap = p * aStep;
                FloatVector x0 = FloatVector.broadcast(S, a[a0 + ap]);
                c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01); c02 = x0.fma(b2, c02); c03 = x0.fma(b3, c03);
            }
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + L);
        c02.intoArray(c, c0 + 2 * L);
        c03.intoArray(c, c0 + 3 * L);
    }

    /** 1 row x 2 vectors, for the rows a 4-row kernel leaves over in a 2-vector panel. */
    private static void kernel1x2(int kc, float[] a, int a0, int aStep,
                                  float[] b, int[] bRows, int bFrom, int bBase,
                                  float[] c, int cIdx, boolean accumulate) {
        int c0 = cIdx;
        FloatVector c00 = accumulate ? FloatVector.fromArray(S, c, c0) : FloatVector.zero(S);
        FloatVector c01 = accumulate ? FloatVector.fromArray(S, c, c0 + L) : FloatVector.zero(S);
        if (bRows == null) {
            for (int p = 0; p < kc; p++) {
                int bi = bBase + p * 2 * L;
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                int ap = p * aStep;
                FloatVector x0 = FloatVector.broadcast(S, a[a0 + ap]);
                c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01);
            }
        } else {
            for (int p = 0; p < kc; p++) {
                int bi = bRows[bFrom + p] + bBase;
                FloatVector b0 = FloatVector.fromArray(S, b, bi);
                FloatVector b1 = FloatVector.fromArray(S, b, bi + L);
                int ap = p * aStep;
                FloatVector x0 = FloatVector.broadcast(S, a[a0 + ap]);
                c00 = x0.fma(b0, c00); c01 = x0.fma(b1, c01);
            }
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + L);
    }
}
