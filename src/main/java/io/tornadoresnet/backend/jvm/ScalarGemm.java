package io.tornadoresnet.backend.jvm;

/**
 * SGEMM in plain loops, for JVMs started without the Vector API. The innermost loops run along rows
 * of B and C, where HotSpot's superword pass vectorises them by itself; the depth is cut into blocks
 * of {@link #KC} rows of B so that they stay in cache while every row of A goes over them.
 */
final class ScalarGemm extends Gemm {
    private static final int KC = 256;

    @Override
    public void multiply(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                         float[] c, int cOff, int ldc, boolean accumulate) {
        run(m, n, k, a, aOff, lda, 1, null, b, null, bOff, ldb, c, cOff, ldc, accumulate);
    }

    @Override
    public void multiplyTransposedA(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                    float[] c, int cOff, int ldc, boolean accumulate) {
        run(m, n, k, a, aOff, 1, lda, null, b, null, bOff, ldb, c, cOff, ldc, accumulate);
    }

    @Override
    public void multiplyTransposedB(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                    float[] c, int cOff, int ldc, boolean accumulate) {
        dots(m, n, k, a, null, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    @Override
    void multiplyGathered(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int[] bRows, int bOff,
                          float[] c, int cOff, int ldc, boolean accumulate) {
        run(m, n, k, a, aOff, lda, 1, null, b, bRows, bOff, 0, c, cOff, ldc, accumulate);
    }

    @Override
    void multiplyGatheredRows(int m, int rows, int width, int k, float[] packedA,
                              float[] b, int[] bRows, int bOff, int bRowStride, float[] c, int cOff, int ldc) {
        checkRowGroups(m);
        // Group g's element (i, p) lies at g * 8k + 8p + i: rows 1 apart, columns 8.
        for (int g = 0; g < m / ROW_GROUP; g++) {
            for (int r = 0; r < rows; r++) {
                run(ROW_GROUP, width, k, packedA, g * ROW_GROUP * k, 1, ROW_GROUP, null, b, bRows,
                        bOff + r * bRowStride, 0, c, cOff + g * ROW_GROUP * ldc + r * width, ldc, false);
            }
        }
    }

    /** Plain loops run better along the grid's long rows than along an image's short ones. */
    @Override
    boolean multipliesRows(int m, int width) {
        return false;
    }

    @Override
    void multiplyShifted(int m, int n, int k, float[] a, int[] aRows, int aRowsOff, int[] aCols, int aColsOff,
                         float[] b, float[] c, int cOff, int ldc, boolean accumulate) {
        if (!accumulate) {
            clear(c, cOff, ldc, m, n);
        }
        for (int i = 0; i < m; i++) {
            int cRow = cOff + i * ldc;
            for (int p = 0; p < k; p++) {
                float x = a[aRows[aRowsOff + i] + aCols[aColsOff + p]];
                for (int j = 0; j < n; j++) {
                    c[cRow + j] += x * b[p * n + j];
                }
            }
        }
    }

    /** Plain loops gain nothing from the shifted form: convolutions keep the gathered one. */
    @Override
    boolean multipliesShifted(int n) {
        return false;
    }

    @Override
    void multiplyTransposedBGathered(int m, int n, int k, float[] a, int[] aRows, int aOff, float[] b, int bOff,
                                     int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        dots(m, n, k, a, aRows, aOff, 0, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    @Override
    void accumulateLaneDots(int m, int n, int k, float[] a, int[] aRows, int aOff, float[] b, int bOff, int ldb,
                            float[] partial) {
        dots(m, n, k, a, aRows, aOff, 0, b, bOff, ldb, partial, 0, n, true);
    }

    @Override
    int dotLanes() {
        return 1;
    }

    /**
     * C (+)= A B: element (i, p) of A is {@code a[aOff + i * aRowStride + p * aStep]}, or
     * {@code a[aOff + i * aRowStride + aCols[p]]}; row p of B starts at {@code bOff + p * ldb}, or at
     * {@code bOff + bRows[p]}.
     */
    private static void run(int m, int n, int k, float[] a, int aOff, int aRowStride, int aStep, int[] aCols,
                            float[] b, int[] bRows, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        if (!accumulate) {
            clear(c, cOff, ldc, m, n);
        }
        for (int p0 = 0; p0 < k; p0 += KC) {
            int p1 = Math.min(k, p0 + KC);
            for (int i = 0; i < m; i++) {
                int cRow = cOff + i * ldc;
                for (int p = p0; p < p1; p++) {
                    float x = a[aOff + i * aRowStride + (aCols == null ? p * aStep : aCols[p])];
                    int bRow = bOff + (bRows == null ? p * ldb : bRows[p]);
                    for (int j = 0; j < n; j++) {
                        c[cRow + j] += x * b[bRow + j];
                    }
                }
            }
        }
    }

    /**
     * C (+)= A B^T as dot products along rows of A (from {@code aOff + i * lda}, or {@code aOff + aRows[i]})
     * and of B, four columns of C at a time to reuse each element of A.
     */
    private static void dots(int m, int n, int k, float[] a, int[] aRows, int aOff, int lda,
                             float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            int aRow = aOff + (aRows == null ? i * lda : aRows[i]);
            int cRow = cOff + i * ldc;
            int j = 0;
            for (; j + 4 <= n; j += 4) {
                int b0 = bOff + j * ldb;
                int b1 = b0 + ldb;
                int b2 = b1 + ldb;
                int b3 = b2 + ldb;
                float s0 = 0f;
                float s1 = 0f;
                float s2 = 0f;
                float s3 = 0f;
                for (int p = 0; p < k; p++) {
                    float x = a[aRow + p];
                    s0 += x * b[b0 + p];
                    s1 += x * b[b1 + p];
                    s2 += x * b[b2 + p];
                    s3 += x * b[b3 + p];
                }
                c[cRow + j] = accumulate ? c[cRow + j] + s0 : s0;
                c[cRow + j + 1] = accumulate ? c[cRow + j + 1] + s1 : s1;
                c[cRow + j + 2] = accumulate ? c[cRow + j + 2] + s2 : s2;
                c[cRow + j + 3] = accumulate ? c[cRow + j + 3] + s3 : s3;
            }
            for (; j < n; j++) {
                int bRow = bOff + j * ldb;
                float s = 0f;
                for (int p = 0; p < k; p++) {
                    s += a[aRow + p] * b[bRow + p];
                }
                c[cRow + j] = accumulate ? c[cRow + j] + s : s;
            }
        }
    }
}
