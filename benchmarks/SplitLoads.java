import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * What a vector load that straddles two cache lines costs on this machine: one thread runs 8 chains of
 * fma, each fed by a fresh load, over two 16 KiB arrays (in L1), with the loads starting at element 0, 4,
 * 8 and 12 of the arrays. Run it with {@code -XX:ObjectAlignmentInBytes=64}: every array then starts on a
 * 64-byte boundary and its first element 16 bytes (the array header) past it, so with 16-float vectors
 * (AVX-512) only the loads from element 12 on start cache lines; the other offsets split every load.
 * Without the flag an array starts wherever the heap puts it, 8 bytes aligned.
 *
 * <pre>java --add-modules jdk.incubator.vector -XX:ObjectAlignmentInBytes=64 benchmarks/SplitLoads.java</pre>
 */
public final class SplitLoads {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int FLOATS = 4096;
    private static final int REPEATS = 20_000;

    private SplitLoads() {
    }

    private static float fmas(float[] a, float[] b, int from, int repeats) {
        int l = S.length();
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0;
        for (int r = 0; r < repeats; r++) {
            for (int i = from; i < from + FLOATS; i += 4 * l) {
                FloatVector x0 = FloatVector.fromArray(S, a, i);
                FloatVector x1 = FloatVector.fromArray(S, a, i + l);
                FloatVector x2 = FloatVector.fromArray(S, a, i + 2 * l);
                FloatVector x3 = FloatVector.fromArray(S, a, i + 3 * l);
                FloatVector y0 = FloatVector.fromArray(S, b, i);
                FloatVector y1 = FloatVector.fromArray(S, b, i + l);
                FloatVector y2 = FloatVector.fromArray(S, b, i + 2 * l);
                FloatVector y3 = FloatVector.fromArray(S, b, i + 3 * l);
                c0 = x0.fma(y0, c0);
                c1 = x1.fma(y1, c1);
                c2 = x2.fma(y2, c2);
                c3 = x3.fma(y3, c3);
                c4 = x0.fma(y1, c4);
                c5 = x1.fma(y2, c5);
                c6 = x2.fma(y3, c6);
                c7 = x3.fma(y0, c7);
            }
        }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).reduceLanes(VectorOperators.ADD);
    }

    public static void main(String[] args) {
        int[] offsets = {0, 4, 8, 12};
        float[] a = new float[FLOATS + 16];
        float[] b = new float[FLOATS + 16];
        for (int i = 0; i < a.length; i++) {
            a[i] = i % 7;
            b[i] = i % 5;
        }
        float sink = 0;
        for (int warm = 0; warm < 3; warm++) {
            for (int offset : offsets) {
                sink += fmas(a, b, offset, REPEATS / 10);
            }
        }
        System.out.println(S.length() + " lanes; GFLOP/s with the loads from element:");
        for (int round = 0; round < 3; round++) {
            StringBuilder line = new StringBuilder();
            for (int offset : offsets) {
                long start = System.nanoTime();
                sink += fmas(a, b, offset, REPEATS);
                double seconds = (System.nanoTime() - start) / 1e9;
                double flops = 2.0 * S.length() * 8 * ((double) FLOATS / (4 * S.length())) * REPEATS;
                line.append(String.format("  %2d: %6.1f", offset, flops / seconds / 1e9));
            }
            System.out.println(line);
        }
        if (sink == 0.5f) {
            System.out.println();
        }
    }
}
