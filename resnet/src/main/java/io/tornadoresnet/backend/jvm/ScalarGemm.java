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
        run(m, n, k, a, aOff, lda, 1, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    @Override
    public void multiplyTransposedA(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                    float[] c, int cOff, int ldc, boolean accumulate) {
        run(m, n, k, a, aOff, 1, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    /** Dot products along the rows of A and B, four columns of C at a time to reuse each load of A. */
    @Override
    public void multiplyTransposedB(int m, int n, int k, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                    float[] c, int cOff, int ldc, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            int aRow = aOff + i * lda;
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

    /** Element (i, p) of A is {@code a[aOff + i * rowStride + p * stepStride]}; B is [k][n]. */
    private static void run(int m, int n, int k, float[] a, int aOff, int rowStride, int stepStride,
                            float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
        if (!accumulate) {
            clear(c, cOff, ldc, m, n);
        }
        for (int p0 = 0; p0 < k; p0 += KC) {
            int p1 = Math.min(k, p0 + KC);
            for (int i = 0; i < m; i++) {
                int cRow = cOff + i * ldc;
                for (int p = p0; p < p1; p++) {
                    float x = a[aOff + i * rowStride + p * stepStride];
                    int bRow = bOff + p * ldb;
                    for (int j = 0; j < n; j++) {
                        c[cRow + j] += x * b[bRow + j];
                    }
                }
            }
        }
    }
}
