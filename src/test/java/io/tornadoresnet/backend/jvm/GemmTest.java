package io.tornadoresnet.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GemmTest {

    enum Form { AB, ATB, ABT }

    /** Sizes around the vector length (16 floats with AVX-512) and the block sizes (256 deep, 512 wide). */
    static Stream<Arguments> cases() {
        int[][] sizes = {
                {1, 1, 1}, {1, 17, 3}, {2, 5, 7}, {3, 16, 2}, {3, 33, 9}, {4, 64, 16}, {5, 31, 1},
                {7, 65, 13}, {8, 16, 144}, {9, 48, 30}, {13, 100, 5}, {16, 200, 144}, {17, 15, 257},
                {6, 600, 20}, {11, 130, 300}, {20, 64, 300}, {144, 16, 64}, {33, 47, 0},
        };
        List<Arguments> out = new ArrayList<>();
        for (String impl : new String[] {"vector", "vector-small-blocks", "scalar"}) {
            if (impl.startsWith("vector") && !VectorApi.available()) {
                continue;
            }
            for (Form form : Form.values()) {
                for (int[] s : sizes) {
                    out.add(Arguments.of(impl, form, s[0], s[1], s[2]));
                }
            }
        }
        return out.stream();
    }

    /** The forms with a gathered operand: B of A B, A of A B^T. */
    static Stream<Arguments> gatheredCases() {
        return cases().filter(arguments -> arguments.get()[1] != Form.ATB);
    }

    static Stream<Arguments> transposedBCases() {
        return cases().filter(arguments -> arguments.get()[1] == Form.ABT);
    }

    /**
     * The Vector API implementation through the factory (the tests run with the module), also with
     * blocks as small as 7 deep and 1 panel wide, so that every product crosses blocks; or the scalar one.
     */
    static Gemm implementation(String name) {
        return switch (name) {
            case "vector" -> Gemm.create();
            case "vector-small-blocks" -> Gemm.create(7, 1);
            default -> new ScalarGemm();
        };
    }

    @ParameterizedTest(name = "{0} {1} m={2} n={3} k={4}")
    @MethodSource("cases")
    void matchesTripleLoop(String impl, Form form, int m, int n, int k) {
        Gemm gemm = implementation(impl);
        Random random = new Random(31L * m + 7L * n + k);
        // Offsets and leading dimensions larger than the rows, as for sub-matrices of a bigger buffer.
        int aRows = form == Form.ATB ? k : m;
        int aCols = form == Form.ATB ? m : k;
        int bRows = form == Form.ABT ? n : k;
        int bCols = form == Form.ABT ? k : n;
        int lda = aCols + 3;
        int ldb = bCols + 5;
        int ldc = n + 2;
        int aOff = 7;
        int bOff = 11;
        int cOff = 5;
        float[] a = randomArray(random, aOff + aRows * lda);
        float[] b = randomArray(random, bOff + bRows * ldb);
        float[] c0 = randomArray(random, cOff + m * ldc + 4);

        for (boolean accumulate : new boolean[] {false, true}) {
            float[] c = c0.clone();
            switch (form) {
                case AB -> gemm.multiply(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
                case ATB -> gemm.multiplyTransposedA(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
                case ABT -> gemm.multiplyTransposedB(m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
            }
            for (int idx = 0; idx < c.length; idx++) {
                int rel = idx - cOff;
                int i = rel >= 0 ? rel / ldc : -1;
                int j = rel >= 0 ? rel % ldc : -1;
                if (i < 0 || i >= m || j >= n) {
                    assertEquals(c0[idx], c[idx], "element outside C changed at " + idx);
                    continue;
                }
                double expected = accumulate ? c0[idx] : 0.0;
                double magnitude = Math.abs(expected);
                for (int p = 0; p < k; p++) {
                    double x = form == Form.ATB ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    double y = form == Form.ABT ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    expected += x * y;
                    magnitude += Math.abs(x * y);
                }
                assertEquals(expected, c[idx], 1e-5 * magnitude + 1e-6,
                        () -> form + " accumulate=" + accumulate + " at (" + i + ", " + j + ")");
            }
        }
    }

    /** One instance, B transposed with one leading dimension and then another: its packing must follow. */
    @Test
    void transposedBWithAnotherLeadingDimensionOnTheSameInstance() {
        Gemm gemm = Gemm.create(64, 64);
        Random random = new Random(5);
        int m = 9;
        int n = 48;
        int k = 37;
        for (int ldb : new int[] {k + 3, k + 20, k + 3}) {
            float[] a = randomArray(random, m * k);
            float[] b = randomArray(random, n * ldb);
            float[] c = new float[m * n];
            gemm.multiplyTransposedB(m, n, k, a, 0, k, b, 0, ldb, c, 0, n, false);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double expected = 0;
                    for (int p = 0; p < k; p++) {
                        expected += (double) a[i * k + p] * b[j * ldb + p];
                    }
                    assertEquals(expected, c[i * n + j], 1e-4, "ldb " + ldb + " at (" + i + ", " + j + ")");
                }
            }
        }
    }

    /** B (or A) read in place through a table of row starts, as ConvRoutine reads a padded image. */
    @ParameterizedTest(name = "{0} gathered {1} m={2} n={3} k={4}")
    @MethodSource("gatheredCases")
    void gatheredRowsMatchTripleLoop(String impl, Form form, int m, int n, int k) {
        Gemm gemm = implementation(impl);
        Random random = new Random(17L * m + 3L * n + k);
        boolean gatherB = form == Form.AB;
        int rows = gatherB ? k : m;
        int length = gatherB ? n : k;
        // Row starts in random order, some overlapping, over a pool that ends a row plus the overread away.
        int pool = 2 * rows + length + 40;
        float[] table = randomArray(random, pool + length + Gemm.overread());
        int[] starts = new int[rows];
        for (int r = 0; r < rows; r++) {
            starts[r] = random.nextInt(pool);
        }
        int tableOff = 3;
        int lda = k + 1;
        int ldb = k + 2;
        float[] other = randomArray(random, (gatherB ? m * lda : n * ldb) + 1);
        int ldc = n + 1;
        float[] c0 = randomArray(random, m * ldc);
        for (boolean accumulate : new boolean[] {false, true}) {
            float[] c = c0.clone();
            if (gatherB) {
                gemm.multiplyGathered(m, n, k, other, 1, lda, table, starts, tableOff, c, 0, ldc, accumulate);
            } else {
                gemm.multiplyTransposedBGathered(m, n, k, table, starts, tableOff, other, 1, ldb, c, 0, ldc, accumulate);
            }
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double expected = accumulate ? c0[i * ldc + j] : 0.0;
                    double magnitude = Math.abs(expected);
                    for (int p = 0; p < k; p++) {
                        double x = gatherB ? other[1 + i * lda + p] : table[tableOff + starts[i] + p];
                        double y = gatherB ? table[tableOff + starts[p] + j] : other[1 + j * ldb + p];
                        expected += x * y;
                        magnitude += Math.abs(x * y);
                    }
                    int ii = i;
                    int jj = j;
                    assertEquals(expected, c[i * ldc + j], 1e-5 * magnitude + 1e-6,
                            () -> "accumulate=" + accumulate + " at (" + ii + ", " + jj + ")");
                }
                if (n < ldc) {
                    assertEquals(c0[i * ldc + n], c[i * ldc + n], "column n of row " + i + " changed");
                }
            }
        }
    }

    /**
     * Rows of 1, 2 and 3 whole vectors and of 2 and 4 vectors 7/8 full, whose last vectors overlap the ones
     * before (what {@link Gemm#multipliesRows} takes), row counts that leave a vector over from the pairs,
     * 1 to 4 groups of 8 rows of A, depths around the blocks (7 deep with small blocks, 256 otherwise).
     */
    static Stream<Arguments> rowCases() {
        List<Arguments> out = new ArrayList<>();
        for (String impl : new String[] {"vector", "vector-small-blocks", "scalar"}) {
            if (impl.startsWith("vector") && !VectorApi.available()) {
                continue;
            }
            int lanes = impl.startsWith("vector") ? Gemm.create().dotLanes() : 16;
            for (int width : new int[] {lanes, 2 * lanes, 3 * lanes, 2 * lanes * 7 / 8, 4 * lanes * 7 / 8}) {
                for (int[] mRowsK : new int[][] {{16, 4, 144}, {32, 3, 288}, {8, 5, 9}, {24, 1, 300}, {8, 2, 0},
                        {16, 6, 27}}) {
                    out.add(Arguments.of(impl, mRowsK[0], mRowsK[1], width, mRowsK[2]));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} rows m={1} rows={2} width={3} k={4}")
    @MethodSource("rowCases")
    void gatheredRowsMatchTripleLoop(String impl, int m, int rows, int width, int k) {
        Gemm gemm = implementation(impl);
        Random random = new Random(13L * m + 5L * rows + 3L * width + k);
        // Row starts in random order, some overlapping; rows of pixels a few floats further apart than wide.
        int rowStride = width + 3;
        int pool = 2 * k + 40;
        float[] table = randomArray(random, 2 + pool + rows * rowStride);
        int[] starts = new int[k];
        for (int p = 0; p < k; p++) {
            starts[p] = random.nextInt(pool);
        }
        int lda = k + 1;
        float[] a = randomArray(random, 1 + m * lda);
        float[] packed = new float[m * k];
        for (int i = 0; i < m; i++) {
            for (int p = 0; p < k; p++) {
                packed[Gemm.rowGroupIndex(i, p, k)] = a[1 + i * lda + p];
            }
        }
        int n = rows * width;
        int ldc = n + 2;
        float[] c0 = randomArray(random, 1 + m * ldc);
        float[] c = c0.clone();
        assertTrue(impl.equals("scalar") || gemm.multipliesRows(8, width));
        gemm.multiplyGatheredRows(m, rows, width, k, packed, table, starts, 2, rowStride, c, 1, ldc);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double expected = 0.0;
                double magnitude = 0.0;
                for (int p = 0; p < k; p++) {
                    int at = 2 + starts[p] + j / width * rowStride + j % width;
                    double term = (double) a[1 + i * lda + p] * table[at];
                    expected += term;
                    magnitude += Math.abs(term);
                }
                int ii = i;
                int jj = j;
                assertEquals(expected, c[1 + i * ldc + j], 1e-5 * magnitude + 1e-6,
                        () -> "at (" + ii + ", " + jj + ")");
            }
            for (int j = n; j < ldc; j++) {
                assertEquals(c0[1 + i * ldc + j], c[1 + i * ldc + j], "column " + j + " of row " + i + " changed");
            }
        }
        assertEquals(c0[0], c[0], "the float before C changed");
    }

    @Test
    void vectorRowProductsTakeRowsThatFillTheirVectorsOrOverlapInPairs() {
        Gemm gemm = Gemm.create();
        int lanes = gemm.dotLanes();
        if (lanes == 1) {
            return;
        }
        assertTrue(gemm.multipliesRows(16, lanes));
        assertTrue(gemm.multipliesRows(8, 2 * lanes));
        assertTrue(gemm.multipliesRows(16, 2 * lanes * 7 / 8));
        assertTrue(gemm.multipliesRows(16, 4 * lanes * 7 / 8));
        assertFalse(gemm.multipliesRows(3, 2 * lanes));
        assertFalse(gemm.multipliesRows(12, 2 * lanes));
        assertFalse(gemm.multipliesRows(16, lanes * 7 / 8));
        assertFalse(gemm.multipliesRows(16, 3 * lanes * 7 / 8));
        assertFalse(gemm.multipliesRows(16, lanes + 1));
        assertFalse(gemm.multipliesRows(16, 0));
        assertFalse(new ScalarGemm().multipliesRows(16, 2 * lanes));
        for (int width : new int[] {0, lanes - 1, 3 * lanes - 1}) {
            assertThrows(IllegalArgumentException.class, () ->
                    gemm.multiplyGatheredRows(8, 2, width, 4, new float[32], new float[8 * lanes],
                            new int[4], 0, width + 1, new float[32 * lanes], 0, 3 * lanes));
        }
    }

    @Test
    void rowProductsRefuseRowsOfAOutsideWholeGroups() {
        for (Gemm gemm : new Gemm[] {Gemm.create(), new ScalarGemm()}) {
            int width = 2 * gemm.dotLanes();
            for (int m : new int[] {7, 9, 12, -8}) {
                assertThrows(IllegalArgumentException.class, () ->
                        gemm.multiplyGatheredRows(m, 1, width, 4, new float[64], new float[4 * width],
                                new int[4], 0, width, new float[16 * width], 0, width));
            }
        }
    }

    @Test
    void rowGroupsLayOutEightRowsColumnByColumn() {
        assertEquals(0, Gemm.rowGroupIndex(0, 0, 5));
        assertEquals(7, Gemm.rowGroupIndex(7, 0, 5));
        assertEquals(8, Gemm.rowGroupIndex(0, 1, 5));
        assertEquals(8 * 4 + 3, Gemm.rowGroupIndex(3, 4, 5));
        assertEquals(8 * 5, Gemm.rowGroupIndex(8, 0, 5));
        assertEquals(8 * 5 + 8 * 2 + 1, Gemm.rowGroupIndex(9, 2, 5));
    }

    /**
     * A width of 4 vectors (what {@link Gemm#multipliesShifted} takes), rows around the 6-, 5- and 4-row groups
     * (49: a 7x7 image, four groups of 6 and five of 5), depths around the blocks (128 rows).
     */
    static Stream<Arguments> shiftedCases() {
        List<Arguments> out = new ArrayList<>();
        for (String impl : new String[] {"vector", "scalar"}) {
            if (impl.equals("vector") && !VectorApi.available()) {
                continue;
            }
            int lanes = impl.equals("vector") ? Gemm.create().dotLanes() : 16;
            for (int m : new int[] {1, 3, 4, 5, 6, 7, 9, 10, 11, 13, 20, 49, 72}) {
                for (int k : new int[] {0, 1, 9, 144, 577}) {
                    out.add(Arguments.of(impl, m, 4 * lanes, k));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} shifted m={1} n={2} k={3}")
    @MethodSource("shiftedCases")
    void shiftedRowsMatchTripleLoop(String impl, int m, int n, int k) {
        Gemm gemm = implementation(impl);
        Random random = new Random(7L * m + 11L * n + k);
        // Column starts in random order, some overlapping, from the fourth entry of their table; row i of A
        // reads one float further on, and one more after every fifth row, as output pixels skip a padded
        // grid's junk columns.
        int pool = 3 * k + 40;
        float[] table = randomArray(random, 2 + pool + m + m / 5);
        int[] starts = new int[3 + k];
        for (int p = 0; p < k; p++) {
            starts[3 + p] = random.nextInt(pool);
        }
        int[] rows = new int[1 + m];
        for (int i = 0; i < m; i++) {
            rows[1 + i] = 2 + i + i / 5;
        }
        float[] b = randomArray(random, k * n);
        int ldc = n + 3;
        float[] c0 = randomArray(random, 1 + m * ldc);
        for (boolean accumulate : new boolean[] {false, true}) {
            float[] c = c0.clone();
            gemm.multiplyShifted(m, n, k, table, rows, 1, starts, 3, b, c, 1, ldc, accumulate);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double expected = accumulate ? c0[1 + i * ldc + j] : 0.0;
                    double magnitude = Math.abs(expected);
                    for (int p = 0; p < k; p++) {
                        double term = (double) table[rows[1 + i] + starts[3 + p]] * b[p * n + j];
                        expected += term;
                        magnitude += Math.abs(term);
                    }
                    int ii = i;
                    int jj = j;
                    assertEquals(expected, c[1 + i * ldc + j], 1e-5 * magnitude + 1e-6,
                            () -> "accumulate=" + accumulate + " at (" + ii + ", " + jj + ")");
                }
                for (int j = n; j < ldc; j++) {
                assertEquals(c0[1 + i * ldc + j], c[1 + i * ldc + j], "column " + j + " of row " + i + " changed");
            }
            }
            assertEquals(c0[0], c[0], "the float before C changed");
        }
    }

    @Test
    void vectorShiftedProductsRefuseOtherWidths() {
        Gemm gemm = Gemm.create();
        int lanes = gemm.dotLanes();
        if (lanes == 1) {
            return;
        }
        assertTrue(gemm.multipliesShifted(4 * lanes));
        assertFalse(gemm.multipliesShifted(2 * lanes));
        assertFalse(gemm.multipliesShifted(lanes));
        assertFalse(gemm.multipliesShifted(3 * lanes));
        assertThrows(IllegalArgumentException.class, () ->
                gemm.multiplyShifted(4, lanes, 4, new float[64], new int[4], 0, new int[4], 0, new float[4 * lanes],
                        new float[4 * lanes], 0, lanes, false));
    }

    /**
     * Lane-split sums of the gathered A B^T, added over two calls, sum (lane by lane) to the product
     * twice; rows of B hold zeros up to a whole number of lanes, as the method asks.
     */
    @ParameterizedTest(name = "{0} lane dots m={2} n={3} k={4}")
    @MethodSource("transposedBCases")
    void laneDotsSumToTheProduct(String impl, Form form, int m, int n, int k) {
        Gemm gemm = implementation(impl);
        int lanes = gemm.dotLanes();
        int padded = (k + lanes - 1) / lanes * lanes;
        Random random = new Random(5L * m + 13L * n + k);
        int pool = 2 * m + padded + 40;
        float[] table = randomArray(random, pool + padded + 3);
        int[] starts = new int[m];
        for (int r = 0; r < m; r++) {
            starts[r] = random.nextInt(pool);
        }
        int ldb = padded + 3;
        float[] b = randomArray(random, 2 + n * ldb);
        for (int j = 0; j < n; j++) {
            Arrays.fill(b, 2 + j * ldb + k, 2 + j * ldb + padded, 0f);
        }
        float[] partial = new float[m * n * lanes];
        gemm.accumulateLaneDots(m, n, k, table, starts, 3, b, 2, ldb, partial);
        gemm.accumulateLaneDots(m, n, k, table, starts, 3, b, 2, ldb, partial);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double expected = 0.0;
                double magnitude = 0.0;
                for (int p = 0; p < k; p++) {
                    double term = table[3 + starts[i] + p] * b[2 + j * ldb + p];
                    expected += 2 * term;
                    magnitude += 2 * Math.abs(term);
                }
                double sum = 0.0;
                for (int l = 0; l < lanes; l++) {
                    sum += partial[(i * n + j) * lanes + l];
                }
                int ii = i;
                int jj = j;
                assertEquals(expected, sum, 1e-5 * magnitude + 1e-6, () -> "at (" + ii + ", " + jj + ")");
            }
        }
    }

    @Test
    void createPicksTheVectorApiWhenPresent() {
        assertEquals(VectorApi.available(), Gemm.create() instanceof VectorGemm);
        assertTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "the tests run with --add-modules jdk.incubator.vector");
    }

    static float[] randomArray(Random random, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = random.nextFloat() * 2f - 1f;
        }
        return x;
    }
}
