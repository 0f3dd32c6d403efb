package io.tornadoresnet.distributed.spark;

import io.tornadoresnet.distributed.Collective;
import io.tornadoresnet.distributed.RingAllReduceCheck;
import io.tornadoresnet.distributed.RingCollective;
import io.tornadoresnet.distributed.WorkerTask;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;

/**
 * The ring between the executors of a Spark cluster, measured before a training run: N tasks of one
 * barrier stage all-reduce an array as {@link RingAllReduceCheck} does, and the driver prints each
 * worker's line (time per call, bandwidth, a hash of the result that every worker shares).
 *
 * <pre>spark-submit --class io.tornadoresnet.distributed.spark.SparkRingCheck tornado-resnet.jar \
 *     --workers 8 [--floats 25600000] [--calls 5] [--timeout 60] [--master MASTER]</pre>
 *
 * <p>{@code --master} is for running without spark-submit; under spark-submit its own master applies.
 */
public final class SparkRingCheck {

    private SparkRingCheck() {
    }

    public static void main(String[] args) {
        try {
            run(args, System.out);
        } catch (IllegalArgumentException e) {
            System.err.println("error: " + e.getMessage());
            System.err.println("usage: SparkRingCheck --workers N [--floats N] [--calls K] [--timeout SECONDS] "
                    + "[--master MASTER]");
            System.exit(2);
        }
    }

    static void run(String[] args, PrintStream out) {
        int workers = 0;
        int floats = 1 << 20;
        int calls = 5;
        int timeoutSeconds = (int) RingCollective.DEFAULT_TIMEOUT.toSeconds();
        String master = null;
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (i + 1 == args.length) {
                throw new IllegalArgumentException(name + " needs a value");
            }
            String value = args[++i];
            switch (name) {
                case "--workers" -> workers = RingAllReduceCheck.parseCount(name, value, 1);
                case "--floats" -> floats = RingAllReduceCheck.parseCount(name, value, 0);
                case "--calls" -> calls = RingAllReduceCheck.parseCount(name, value, 1);
                case "--timeout" -> timeoutSeconds = RingAllReduceCheck.parseCount(name, value, 1);
                case "--master" -> master = value;
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }
        if (workers == 0) {
            throw new IllegalArgumentException("--workers is required");
        }
        SparkConf conf = new SparkConf().setAppName("tornado-resnet ring check");
        if (master != null) {
            conf.setMaster(master);
        }
        SparkContext spark = new SparkContext(conf);
        try {
            List<String> lines = SparkWorkers.run(spark, workers, new Measure(),
                    new String[] {String.valueOf(floats), String.valueOf(calls)}, Duration.ofSeconds(timeoutSeconds));
            lines.forEach(out::println);
            out.flush();
        } finally {
            spark.stop();
        }
    }

    /** One worker's measurement; args are the number of floats and of timed calls. */
    private static final class Measure implements WorkerTask<String> {
        private static final long serialVersionUID = 1L;

        @Override
        public String run(Collective collective, String[] args) throws IOException {
            return RingAllReduceCheck.measure(collective, Integer.parseInt(args[0]), Integer.parseInt(args[1]));
        }
    }
}
