package io.tornadoresnet.distributed;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;

/**
 * One ring worker started by hand, to check the network between machines before a run: every worker
 * fills an array from its rank, all-reduces it once to warm up and then a few times more, timed, and
 * prints one JSON line with the time per call, the bandwidth and a hash of the result (the same on every
 * worker when the ring works).
 *
 * <pre>java -cp tornado-resnet.jar io.tornadoresnet.distributed.RingAllReduceCheck \
 *     --rank 0 --peers hostA:7070,hostB:7070 [--floats 25600000] [--calls 5] [--timeout 60]</pre>
 *
 * <p>Algorithm bandwidth is bytes reduced per second; bus bandwidth multiplies it by 2(N-1)/N, the
 * share of the data each worker sends and receives, and so compares to the link speed. The fastest
 * call tells what the ring can do on a machine that other work keeps busy.
 */
public final class RingAllReduceCheck {

    private RingAllReduceCheck() {
    }

    public static void main(String[] args) {
        try {
            System.exit(run(args, System.out));
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println("usage: RingAllReduceCheck --rank R --peers host:port,host:port,... "
                    + "[--floats N] [--calls K] [--timeout SECONDS]");
            System.exit(2);
        } catch (IOException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(1);
        }
    }

    static int run(String[] args, PrintStream out) throws IOException {
        Integer rank = null;
        String peers = null;
        int floats = 1 << 20;
        int calls = 5;
        int timeoutSeconds = (int) RingCollective.DEFAULT_TIMEOUT.toSeconds();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (i + 1 == args.length) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            String value = args[++i];
            switch (name) {
                case "--rank" -> rank = parseCount(name, value, 0);
                case "--peers" -> peers = value;
                case "--floats" -> floats = parseCount(name, value, 0);
                case "--calls" -> calls = parseCount(name, value, 1);
                case "--timeout" -> timeoutSeconds = parseCount(name, value, 1);
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }
        if (rank == null || peers == null) {
            throw new IllegalArgumentException("--rank and --peers are required");
        }
        Rendezvous rendezvous = StaticRendezvous.parse(rank, peers);
        try (RingCollective ring = RingCollective.open(rendezvous, Duration.ofSeconds(timeoutSeconds))) {
            out.println(measure(ring, floats, calls));
            out.flush();
        }
        return 0;
    }

    /**
     * All-reduces {@code floats} values once to warm up, then {@code calls} times, timed; returns the
     * report line of this worker.
     */
    public static String measure(Collective collective, int floats, int calls) throws IOException {
        float[] data = new float[floats];
        long total = 0;
        long fastest = Long.MAX_VALUE;
        for (int call = 0; call <= calls; call++) {
            fill(data, collective.rank());
            long start = System.nanoTime();
            collective.allReduceMean(data, 0, floats);
            long nanos = System.nanoTime() - start;
            if (call > 0) {
                total += nanos;
                fastest = Math.min(fastest, nanos);
            }
        }
        double seconds = total / 1e9 / calls;
        double best = fastest / 1e9;
        double gigabytes = 4.0 * floats / 1e9;
        double busShare = 2.0 * (collective.size() - 1) / collective.size();
        return String.format(Locale.ROOT, "{\"rank\":%d,\"workers\":%d,\"floats\":%d,\"calls\":%d,"
                        + "\"seconds_per_call\":%.6f,\"fastest_seconds\":%.6f,\"algorithm_gbytes_per_s\":%.3f,"
                        + "\"bus_gbytes_per_s\":%.3f,\"fastest_bus_gbytes_per_s\":%.3f,\"result_hash\":%d}",
                collective.rank(), collective.size(), floats, calls, seconds, best, gigabytes / seconds,
                busShare * gigabytes / seconds, busShare * gigabytes / best, hash(data));
    }

    /** The values worker {@code rank} contributes: small, exactly representable, different per rank. */
    static void fill(float[] data, int rank) {
        for (int i = 0; i < data.length; i++) {
            data[i] = ((i * 7 + rank * 13) % 101 - 50) / 64f;
        }
    }

    /** A hash of the exact bits. */
    static int hash(float[] data) {
        int[] bits = new int[data.length];
        for (int i = 0; i < data.length; i++) {
            bits[i] = Float.floatToRawIntBits(data[i]);
        }
        return Arrays.hashCode(bits);
    }

    /** The whole number given to option {@code name}, at least {@code minimum}. */
    public static int parseCount(String name, String value, int minimum) {
        int parsed;
        try {
            parsed = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs a whole number, not '" + value + "'");
        }
        if (parsed < minimum) {
            throw new IllegalArgumentException(name + " must be at least " + minimum + ", not " + value);
        }
        return parsed;
    }
}
