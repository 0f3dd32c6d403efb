import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's fp32 peak, from what it does rather than what it reports: /proc/cpuinfo gives a
 * virtual machine's base clock (the cores may boost well above it), and not every core with AVX-512
 * has two 512-bit fma pipes (AMD's Zen 4 runs a 512-bit fma as two 256-bit halves).
 *
 * <ul>
 *   <li>The clock: one thread runs a chain of dependent shifts and xors, one cycle each on every x86
 *       core.
 *   <li>The fma pipes: one thread runs 10 independent chains of vector fma on registers only; its fma
 *       a cycle over the vector's lanes, rounded, is the pipes a core has of that width.
 *   <li>The peak: threads (at most one a core) x pipes x lanes x 2 x clock; then the fma loop on that
 *       many threads at once, measured (equal GFLOP/s per thread at both counts means the cores do not
 *       share fma units).
 * </ul>
 *
 * The last line reads {@code peak: T threads x P fma pipes x L lanes x 2 x C MHz = G GFLOP/s} ("pipe"
 * for one), which {@code compare-pytorch.sh} parses.
 *
 * <pre>java --add-modules jdk.incubator.vector benchmarks/FmaPeak.java [THREADS [ROUNDS]]</pre>
 */
public final class FmaPeak {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int CHAINS = 10;
    private static final long FMA_STEPS = 100_000_000L;
    /** Each step of {@link #cycles} is 8 dependent shift-xor pairs: 16 cycles. */
    private static final long CLOCK_STEPS = 100_000_000L;
    private static final int CYCLES_A_STEP = 16;

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

    /** x ^ (x >>> 1) maps a nonzero x to a nonzero x, so the chain never settles and cannot be folded. */
    private static long cycles(long steps, long x) {
        for (long i = 0; i < steps; i++) {
            x ^= x >>> 1;
            x ^= x >>> 1;
            x ^= x >>> 1;
            x ^= x >>> 1;
            x ^= x >>> 1;
            x ^= x >>> 1;
            x ^= x >>> 1;
            x ^= x >>> 1;
        }
        return x;
    }

    /** GFLOP/s of the fma chains on {@code threads} threads at once. */
    private static double fmaGflops(int threads) throws InterruptedException {
        Thread[] workers = new Thread[threads];
        long start = System.nanoTime();
        for (int t = 0; t < threads; t++) {
            workers[t] = new Thread(() -> chains(FMA_STEPS));
            workers[t].start();
        }
        for (Thread w : workers) {
            w.join();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return threads * FMA_STEPS * CHAINS * S.length() * 2.0 / seconds / 1e9;
    }

    private static double clockMhz() {
        long start = System.nanoTime();
        long sink = cycles(CLOCK_STEPS, 0x9E3779B97F4A7C15L);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (sink == 0) {
            throw new AssertionError("the shift-xor chain reached zero");
        }
        return CLOCK_STEPS * CYCLES_A_STEP / seconds / 1e6;
    }

    public static void main(String[] args) throws InterruptedException {
        int cores = Runtime.getRuntime().availableProcessors();
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : cores;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        if (threads < 1 || rounds < 1) {
            throw new IllegalArgumentException("usage: FmaPeak [THREADS >= 1 [ROUNDS >= 1]]");
        }
        for (int i = 0; i < 20; i++) { // until C2 has compiled both loops
            chains(1_000_000);
            cycles(1_000_000, 1);
        }
        System.out.printf("%d-lane float vectors, %d cores%n", S.length(), cores);
        double clock = 0;
        double oneThread = 0;
        double allThreads = 0;
        for (int round = 1; round <= rounds; round++) {
            double mhz = clockMhz();
            double one = fmaGflops(1);
            double all = threads > 1 ? fmaGflops(threads) : one;
            System.out.printf("round %d: clock %.0f MHz; fma loop, 1 thread: %.1f GFLOP/s; %d threads: %.1f"
                    + " (%.1f per thread)%n", round, mhz, one, threads, all, all / threads);
            clock = Math.max(clock, mhz);
            oneThread = Math.max(oneThread, one);
            allThreads = Math.max(allThreads, all);
        }
        double fmaPerCycle = oneThread * 1e3 / 2 / clock;
        long pipes = Math.max(1, Math.round(fmaPerCycle / S.length()));
        // More threads than cores add no fma pipes.
        int counted = Math.min(threads, cores);
        double peak = counted * pipes * S.length() * 2 * clock / 1e3;
        System.out.printf("fma a cycle on one thread: %.1f lanes, so %d pipe(s) of %d lanes a core%n", fmaPerCycle,
                pipes, S.length());
        System.out.printf("fma loop on %d threads: %.1f GFLOP/s, best of %d rounds (%.0f%% of the peak below)%n",
                threads, allThreads, rounds, 100 * allThreads / peak);
        System.out.printf("peak: %d threads x %d fma pipe%s x %d lanes x 2 x %.0f MHz = %.0f GFLOP/s%n", counted,
                pipes, pipes == 1 ? "" : "s", S.length(), clock, peak);
    }
}
