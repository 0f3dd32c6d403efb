import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's measured fma peak, to set beside the computed one that compare-pytorch.sh prints
 * (cores x fma pipes x lanes x 2 x the clock in /proc/cpuinfo, which turbo may exceed): each thread
 * runs 10 independent chains of vector fma on registers only, first 1 thread, then 1 per core
 * together, three times. Equal GFLOP/s per thread at both counts means the cores do not share fma units.
 *
 * <pre>java --add-modules jdk.incubator.vector benchmarks/FmaPeak.java [STEPS]</pre>
 */
public final class FmaPeak {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int CHAINS = 10;

    private FmaPeak() {
    }

    private static float chains(long steps) {
        FloatVector x = FloatVector.broadcast(S, 0.999999f);
        FloatVector y = FloatVector.broadcast(S, 1e-7f);
        FloatVector a0 = FloatVector.broadcast(S, 1f);
        FloatVector a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0;
        for (long i = 0; i < steps; i++) {
            a0 = a0.fma(x, y);
            a1 = a1.fma(x, y);
            a2 = a2.fma(x, y);
            a3 = a3.fma(x, y);
            a4 = a4.fma(x, y);
            a5 = a5.fma(x, y);
            a6 = a6.fma(x, y);
            a7 = a7.fma(x, y);
            a8 = a8.fma(x, y);
            a9 = a9.fma(x, y);
        }
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9)
                .reduceLanes(VectorOperators.ADD);
    }

    public static void main(String[] args) throws InterruptedException {
        long steps = args.length > 0 ? Long.parseLong(args[0]) : 200_000_000L;
        int cores = Runtime.getRuntime().availableProcessors();
        for (int i = 0; i < 20; i++) {
            chains(1_000_000); // until C2 has compiled the loop
        }
        System.out.printf("%d-lane float vectors, %d cores%n", S.length(), cores);
        for (int round = 1; round <= 3; round++) {
            for (int threads : cores > 1 ? new int[] {1, cores} : new int[] {1}) {
                Thread[] workers = new Thread[threads];
                long start = System.nanoTime();
                for (int t = 0; t < threads; t++) {
                    workers[t] = new Thread(() -> chains(steps));
                    workers[t].start();
                }
                for (Thread w : workers) {
                    w.join();
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                double gflops = threads * steps * CHAINS * S.length() * 2.0 / seconds / 1e9;
                System.out.printf("round %d, %d thread(s): %.1f GFLOP/s (%.1f per thread)%n", round, threads, gflops,
                        gflops / threads);
            }
        }
    }
}
