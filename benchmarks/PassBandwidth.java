import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Whether an element-wise pass of a training step gains from a second thread: the pass of batch norm
 * and ReLU, y = max(x * scale + shift, 0), over one tensor of ResNet-20's first stage at batch 128
 * (2 M floats, 8 MiB each for x and y), on 1 thread and on all cores, split in equal halves as the
 * JVM backend splits it. Two cases:
 * <ul>
 *   <li>warm: the pass again and again, its arrays in cache;
 *   <li>cold: each thread first reads 48 MiB of other data, as the convolutions between two such passes
 *       of a step do, so that the pass reads from memory.
 * </ul>
 * Each pass starts on all threads together (a spinning barrier) and is timed from the first thread's start
 * to the last thread's end; the line gives the best and the median of the passes.
 *
 * <pre>java --add-modules jdk.incubator.vector benchmarks/PassBandwidth.java [FLOATS [PASSES]]</pre>
 */
public final class PassBandwidth {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int OTHER_FLOATS = 12 << 20;
    /** Where the reads of other data end up, so that the JIT keeps them. */
    private static volatile float sink;

    private PassBandwidth() {
    }

    private static void pass(float[] x, float[] y, int from, int to) {
        for (int i = from; i < to; i += S.length()) {
            FloatVector.fromArray(S, x, i).fma(1.5f, 0.25f).max(0f).intoArray(y, i);
        }
    }

    /** Sums every 16th float, so that each of its cache lines is read. */
    private static float readOther(float[] other) {
        float sum = 0;
        for (int i = 0; i < other.length; i += 16) {
            sum += other[i];
        }
        return sum;
    }

    private static double[] run(int threads, boolean cold, float[] x, float[] y, int passes)
            throws InterruptedException {
        int n = x.length;
        long[] start = new long[passes];
        long[][] end = new long[threads][passes];
        AtomicInteger arrived = new AtomicInteger();
        Thread[] workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int id = t;
            int from = (int) ((long) n * t / threads) / S.length() * S.length();
            int to = t == threads - 1 ? n : (int) ((long) n * (t + 1) / threads) / S.length() * S.length();
            float[] other = cold ? new float[OTHER_FLOATS] : null;
            workers[t] = new Thread(() -> {
                float read = 0;
                for (int p = 0; p < passes; p++) {
                    if (cold) {
                        read += readOther(other);
                    }
                    arrived.incrementAndGet();
                    while (arrived.get() < (p + 1) * threads) {
                        Thread.onSpinWait();
                    }
                    if (id == 0) {
                        start[p] = System.nanoTime();
                    }
                    pass(x, y, from, to);
                    end[id][p] = System.nanoTime();
                }
                sink = read;
            });
        }
        for (Thread w : workers) {
            w.start();
        }
        for (Thread w : workers) {
            w.join();
        }
        double[] ms = new double[passes];
        for (int p = 0; p < passes; p++) {
            long last = 0;
            for (int t = 0; t < threads; t++) {
                last = Math.max(last, end[t][p]);
            }
            ms[p] = (last - start[p]) / 1e6;
        }
        return ms;
    }

    public static void main(String[] args) throws InterruptedException {
        int floats = args.length > 0 ? Integer.parseInt(args[0]) : 128 * 16 * 32 * 32;
        int passes = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        if (floats < S.length() || floats % S.length() != 0 || passes < 1) {
            throw new IllegalArgumentException("usage: PassBandwidth [FLOATS, a multiple of " + S.length()
                    + " [PASSES >= 1]]");
        }
        int cores = Runtime.getRuntime().availableProcessors();
        float[] x = new float[floats];
        float[] y = new float[floats];
        for (int i = 0; i < floats; i++) {
            x[i] = (i % 7) - 3;
        }
        run(1, false, x, y, 2000); // until C2 has compiled the loops
        run(1, true, x, y, 20);
        System.out.printf("%d floats in, %d out; %d-lane vectors, %d cores%n", floats, floats, S.length(), cores);
        for (boolean cold : new boolean[] {false, true}) {
            for (int round = 0; round < 2; round++) {
                for (int threads : cores > 1 ? new int[] {1, cores} : new int[] {1}) {
                    double[] ms = run(threads, cold, x, y, passes);
                    Arrays.sort(ms);
                    System.out.printf("%s, %d thread(s): best %.3f ms (%.1f GB/s), median %.3f ms (%.1f GB/s)%n",
                            cold ? "cold" : "warm", threads, ms[0], 8.0 * floats / ms[0] / 1e6, ms[passes / 2],
                            8.0 * floats / ms[passes / 2] / 1e6);
                }
            }
        }
    }
}
