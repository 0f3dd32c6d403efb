package io.tornadoresnet.backend.jvm;

/**
 * Single-threaded single-precision matrix multiplication over row-major {@code float[]} matrices
 * given as (array, offset, leading dimension), the three forms a convolution needs:
 * {@code C = A B} (forward), {@code C = A^T B} (input gradient) and {@code C = A B^T} (weight
 * gradient). With {@code accumulate} the product is added to C, otherwise C is overwritten.
 *
 * <p>An instance owns its packing buffers: give each thread its own. {@link #create()} picks the
 * Vector API implementation when the {@code jdk.incubator.vector} module is present, plain loops
 * otherwise.
 */
public abstract class Gemm {

    Gemm() {
    }

    /** The fastest implementation this JVM allows, with packing buffers for products of any size. */
    public static Gemm create() {
        return create(Integer.MAX_VALUE, Integer.MAX_VALUE);
    }

    /**
     * As {@link #create()}, with packing buffers no larger than products with depth at most
     * {@code maxK} and width at most {@code maxN} need; larger products still work, in more blocks.
     */
    public static Gemm create(int maxK, int maxN) {
        // Through a static factory typed Gemm: verifying this method then needs no VectorGemm class.
        return VectorApi.available() ? VectorGemm.newInstance(maxK, maxN) : new ScalarGemm();
    }

    /**
     * The first element of a float[] that starts a cache line when objects are 64-byte aligned
     * ({@code -XX:ObjectAlignmentInBytes=64}, which scripts/jvm-options sets): a HotSpot array's elements
     * start 16 bytes (its header) past the object. Workspaces whose vectors start here, and step by
     * whole vectors, never read a vector across two lines (benchmarks/SplitLoads.java: 1.3-1.8x the loads
     * per second in L1 with AVX-512); without the flag they are as aligned as any other offset.
     */
    static final int LINE_START = 12;

    /** Whether {@link #create()} returns the Vector API implementation. */
    public static boolean vectorized() {
        return VectorApi.available();
    }

    /** C[m][n] (+)= A[m][k] B[k][n]. */
    public abstract void multiply(int m, int n, int k,
                                  float[] a, int aOff, int lda,
                                  float[] b, int bOff, int ldb,
                                  float[] c, int cOff, int ldc, boolean accumulate);

    /** C[m][n] (+)= A^T B, with A stored as [k][m] and B as [k][n]. */
    public abstract void multiplyTransposedA(int m, int n, int k,
                                             float[] a, int aOff, int lda,
                                             float[] b, int bOff, int ldb,
                                             float[] c, int cOff, int ldc, boolean accumulate);

    /** C[m][n] (+)= A B^T, with A stored as [m][k] and B as [n][k]. */
    public abstract void multiplyTransposedB(int m, int n, int k,
                                             float[] a, int aOff, int lda,
                                             float[] b, int bOff, int ldb,
                                             float[] c, int cOff, int ldc, boolean accumulate);

    /**
     * C[m][n] (+)= A[m][k] B, where row p of B is read in place from {@code b[bOff + bRows[p]]} on: the
     * im2col matrix of a convolution as offsets into a padded image ({@link PaddedImage}), never written.
     * Each row of B may be read up to {@link #overread()} floats past its column n.
     */
    abstract void multiplyGathered(int m, int n, int k,
                                   float[] a, int aOff, int lda,
                                   float[] b, int[] bRows, int bOff,
                                   float[] c, int cOff, int ldc, boolean accumulate);

    /** Rows of A that {@link #multiplyGatheredRows} takes at a time, packed together ({@link #rowGroupIndex}). */
    static final int ROW_GROUP = 8;

    /**
     * Where element (i, p) of a matrix with {@code k} columns lies in the packed form {@link #multiplyGatheredRows}
     * reads: groups of {@link #ROW_GROUP} rows, each group's columns one after the other, [m / 8][k][8]. The
     * kernel's 8 broadcasts of a column then read consecutive floats. Callers pack a matrix once (a
     * convolution's kernel once per pass) for all the products that read it.
     */
    static int rowGroupIndex(int i, int p, int k) {
        return (i / ROW_GROUP * k + p) * ROW_GROUP + i % ROW_GROUP;
    }

    /**
     * C[m][rows * width] = A[m][k] B, where column {@code r * width + x} of row p of B is read in place from
     * {@code b[bOff + bRows[p] + r * bRowStride + x]}: {@link #multiplyGathered} on a padded image's grid
     * ({@link PaddedImage}) without its junk columns, so that C is the output itself, rows of pixels
     * {@code width} apart; or, as one row of the grid's size, the whole grid. A comes packed
     * ({@link #rowGroupIndex}), m a multiple of {@link #ROW_GROUP}. C is overwritten; rows of B are read
     * exactly. Only for widths {@link #multipliesRows} accepts.
     */
    abstract void multiplyGatheredRows(int m, int rows, int width, int k, float[] packedA,
                                       float[] b, int[] bRows, int bOff, int bRowStride,
                                       float[] c, int cOff, int ldc);

    /** Refuses a product of {@link #multiplyGatheredRows} whose rows of A do not come in whole groups. */
    static void checkRowGroups(int m) {
        if (m < 0 || m % ROW_GROUP != 0) {
            throw new IllegalArgumentException("rows of A come in groups of " + ROW_GROUP + ", not " + m);
        }
    }

    /**
     * Whether {@link #multiplyGatheredRows} takes rows {@code width} floats wide and runs products of
     * {@code m} rows faster than {@link #multiplyGathered} would: rows that fill their vectors nearly
     * whole, and rows of A in whole groups.
     */
    abstract boolean multipliesRows(int m, int width);

    /**
     * C[m][n] (+)= A[m][k] B[k][n], where element (i, p) of A is read in place from
     * {@code a[aRows[aRowsOff + i] + aCols[aColsOff + p]]} and B is row-major [k][n] (ldb = n): the
     * transposed im2col matrix of a padded image ({@link PaddedImage}: rows the output pixels, columns the
     * taps) times the transposed kernel, which puts a pixel's output channels along a row of C, in a
     * vector's lanes; or the im2col matrix itself (rows the taps, columns the output pixels) times the
     * output gradient, pixel by pixel, for the weight gradient. Elements of A are read exactly. Only for
     * widths {@link #multipliesShifted} accepts.
     */
    abstract void multiplyShifted(int m, int n, int k, float[] a, int[] aRows, int aRowsOff, int[] aCols,
                                  int aColsOff, float[] b, float[] c, int cOff, int ldc, boolean accumulate);

    /**
     * Whether {@link #multiplyShifted} takes products {@code n} columns wide and runs them faster than
     * {@link #multiplyGathered} would run the transposed product: with few pixels per image (8x8 and
     * smaller) the gathered product's panels, along the pixels, come out partly empty.
     */
    abstract boolean multipliesShifted(int n);

    /**
     * C[m][n] (+)= A B^T, with B stored as [n][k] and row i of A read in place from
     * {@code a[aOff + aRows[i]]} on; rows of A are read exactly.
     */
    abstract void multiplyTransposedBGathered(int m, int n, int k,
                                              float[] a, int[] aRows, int aOff,
                                              float[] b, int bOff, int ldb,
                                              float[] c, int cOff, int ldc, boolean accumulate);

    /**
     * The product of {@link #multiplyTransposedBGathered}, added into sums split by lane:
     * {@code partial[(i * n + j) * dotLanes() + l]} gains the terms of C[i][j] whose index along k is
     * {@code l} modulo {@link #dotLanes()}. Rows of A and B are read up to k rounded up to a multiple of
     * {@code dotLanes()}, and B must hold zeros there. The lanes are summed once, after all products:
     * a product with few columns (n = 16) then runs along k in whole vectors, with no packing and no
     * horizontal sum per call.
     */
    abstract void accumulateLaneDots(int m, int n, int k, float[] a, int[] aRows, int aOff,
                                     float[] b, int bOff, int ldb, float[] partial);

    /** The lanes of {@link #accumulateLaneDots}'s sums: a vector's floats, or 1 for the plain loops. */
    abstract int dotLanes();

    /** How many floats past column n {@link #multiplyGathered} may read from a row of B. */
    static int overread() {
        return VectorApi.available() ? VectorGemm.overread() : 0;
    }

    /** Zeroes C[m][n]; what an empty product (k = 0) overwrites C with. */
    static void clear(float[] c, int cOff, int ldc, int m, int n) {
        for (int i = 0; i < m; i++) {
            java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
        }
    }
}
