package io.tornadoresnet.cli;

import io.tornadoresnet.distributed.Collective;
import io.tornadoresnet.distributed.WorkerTask;
import io.tornadoresnet.distributed.spark.SparkWorkers;
import io.tornadoresnet.io.Checkpoint;
import io.tornadoresnet.tensor.Tensor;
import io.tornadoresnet.train.Recipe;
import io.tornadoresnet.train.Trainer;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * train --spark: the driver's side and the workers' side of a run whose workers are the tasks of
 * one Spark barrier stage. Only this class names Spark, so that train without --spark runs without
 * Spark's jars. Each task parses the driver's command line again, as {@link TrainCommand} does, and
 * trains its replica through the ring; rank 0 writes the run's folder.
 *
 * <p>When a task fails, Spark starts the whole stage again. Rank 0 of the new attempt looks at the
 * run's checkpoint: if it changed since the driver started the stage, this run wrote it, and every
 * worker resumes from it (the decision travels through {@link BarrierTaskContext#allGather}, so all
 * ranks agree); otherwise they start as the first attempt did.
 */
final class SparkTraining implements AutoCloseable {
    /** The value of --spark that takes the master from spark-submit. */
    static final String SUBMIT = "submit";
    /**
     * How long a worker waits for a silent peer: longer than rank 0 takes for a checkpoint and the
     * curves while the others wait, short enough that a machine gone silent fails the stage.
     */
    static final Duration RING_TIMEOUT = Duration.ofMinutes(10);

    /** Wraps each task's collective; tests replace it to fail a worker (local masters run tasks in this JVM). */
    static volatile UnaryOperator<Collective> collectiveHook = UnaryOperator.identity();

    private final SparkContext spark;
    private final PrintStream log;

    private SparkTraining(SparkContext spark, PrintStream log) {
        this.spark = spark;
        this.log = log;
    }

    /**
     * Starts the Spark context. {@code master} is a master URL, or {@link #SUBMIT} for the one that
     * spark-submit sets.
     *
     * @throws picocli.CommandLine.ParameterException for {@link #SUBMIT} outside spark-submit
     */
    static SparkTraining start(CommandSpec spec, String master, String appName, PrintStream log) {
        SparkConf conf = new SparkConf().setAppName("tornado-resnet train " + appName);
        if (!master.equals(SUBMIT)) {
            conf.setMaster(master);
        } else if (!conf.contains("spark.master")) {
            throw Usage.error(spec, "--spark without a master takes spark-submit's, and there is none:"
                    + " run under spark-submit, or give --spark MASTER (local[2], spark://HOST:7077, ...)");
        }
        if (conf.get("spark.master").startsWith("local")) {
            // one JVM: the ring stays on loopback whatever the host's name resolves to
            conf.setIfMissing("spark.driver.host", "127.0.0.1");
            conf.setIfMissing("spark.driver.bindAddress", "127.0.0.1");
        }
        return new SparkTraining(new SparkContext(conf), log);
    }

    /**
     * Trains one model with {@code workers} tasks and returns rank 0's result, its replicas_identical
     * checked against every worker's hash of its final weights.
     *
     * @param argv the driver's command line, which every task parses again
     * @param task the task's recipe before the command line's options (executors need not see tasks/)
     * @param dir  the run's folder, on storage every executor reaches
     */
    Trainer.Result train(int workers, String[] argv, Recipe task, String model, Path dir, Path resume)
            throws IOException {
        if (spark.isLocal() && spark.defaultParallelism() < workers) {
            // a barrier stage waits for all its slots: Spark would retry for minutes before it gives up
            throw new IllegalArgumentException("--spark " + spark.master() + " runs " + spark.defaultParallelism()
                    + " task(s) at once, fewer than --workers " + workers + ": give local[" + workers + "]");
        }
        Path absoluteDir = dir.toAbsolutePath();
        Worker worker = new Worker(task.name(), task.text(), model, absoluteDir.toString(),
                resume == null ? "" : resume.toAbsolutePath().toString(),
                fingerprint(absoluteDir.resolve(Trainer.CHECKPOINT)));
        log.printf("Spark %s (master %s): %d workers in one barrier stage%n", spark.version(), spark.master(), workers);
        List<Report> reports;
        try {
            reports = SparkWorkers.run(spark, workers, worker, argv, RING_TIMEOUT);
        } catch (Exception e) {
            if (e instanceof SparkException) {
                throw new IOException(stageFailure(e.getMessage()), e);
            }
            throw e;
        }
        Report first = reports.get(0);
        if (first.stageAttempt() > 0) {
            log.printf("stage attempt %d resumed from %s%n", first.stageAttempt(), first.resumedFrom().isEmpty()
                    ? "the start" : first.resumedFrom() + " at step " + first.resumedStep());
        }
        boolean identical = reports.stream()
                .allMatch(r -> r.replicasIdentical() && r.weightsHash() == first.weightsHash());
        return first.result(identical);
    }

    @Override
    public void close() {
        spark.stop();
    }

    /**
     * One line from the message of a stage that failed for good: the tasks' last exception, which Spark
     * puts, with its stack, below its own summary.
     */
    static String stageFailure(String message) {
        List<String> lines = message.lines().map(String::strip).collect(Collectors.toList());
        String cause = lines.stream().skip(1).filter(line -> line.matches("[\\w.$]+(Exception|Error): .*"))
                .findFirst().orElse(null);
        if (cause == null) {
            int colon = lines.get(0).lastIndexOf("): ");
            cause = colon < 0 ? lines.get(0) : lines.get(0).substring(colon + 3);
        }
        return "Spark gave up on the workers' stage, last failure: "
                + cause.replaceFirst("^[\\w$]+\\.([\\w$]+\\.)*", "");
    }

    /**
     * What tells a checkpoint file from another: its identity on the file system, size and time.
     * Rank 0 writes a checkpoint to a new file and renames it over the old one, so each write changes it.
     */
    static String fingerprint(Path checkpoint) throws IOException {
        if (!Files.exists(checkpoint)) {
            return "";
        }
        BasicFileAttributes a = Files.readAttributes(checkpoint, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        return a.fileKey() + " " + a.size() + " " + a.lastModifiedTime().toInstant();
    }

    /** One worker's figures: rank 0's result, and what every worker holds. */
    record Report(int stageAttempt, String resumedFrom, long resumedStep, double testAccuracy, double testLoss,
                  double trainLoss, double trainSeconds, double imagesPerSecond, double dataWaitSeconds,
                  String checkpoint, String out, int epochs, long steps, int workers, int globalBatch,
                  int microBatches, long allReduceBytesPerStep, int allReduceCallsPerStep, double computeSeconds,
                  double allReduceSeconds, boolean replicasIdentical, long weightsHash) implements Serializable {

        static Report of(int stageAttempt, Path resumedFrom, long resumedStep, Trainer.Result r, int workers,
                         long weightsHash) {
            Trainer.Parallel p = r.parallel();
            return new Report(stageAttempt, resumedFrom == null ? "" : resumedFrom.toString(), resumedStep,
                    r.testAccuracy(),
                    r.testLoss(), r.trainLoss(), r.trainSeconds(), r.imagesPerSecond(), r.dataWaitSeconds(),
                    r.checkpoint().toString(),
                    r.out().toString(), r.epochs(), r.steps(), workers, p == null ? 0 : p.globalBatch(),
                    p == null ? 1 : p.microBatches(), p == null ? 0 : p.allReduceBytesPerStep(),
                    p == null ? 0 : p.allReduceCallsPerStep(), p == null ? 0 : p.computeSeconds(),
                    p == null ? 0 : p.allReduceSeconds(),
                    p == null || p.replicasIdentical(), weightsHash);
        }

        Trainer.Result result(boolean allIdentical) {
            return new Trainer.Result(testAccuracy, testLoss, trainLoss, trainSeconds, imagesPerSecond,
                    dataWaitSeconds, Path.of(checkpoint), Path.of(out), epochs, steps, new Trainer.Parallel(workers,
                    globalBatch, microBatches, allReduceBytesPerStep, computeSeconds, allReduceSeconds, allIdentical,
                    allReduceCallsPerStep));
        }
    }

    /** The body of each task: the run's recipe, data, model and backend from the driver's command line. */
    static final class Worker implements WorkerTask<Report> {
        private static final long serialVersionUID = 1L;
        private final String taskName;
        private final String taskText;
        private final String model;
        private final String dir;
        private final String resume;
        private final String startFingerprint;

        Worker(String taskName, String taskText, String model, String dir, String resume, String startFingerprint) {
            this.taskName = taskName;
            this.taskText = taskText;
            this.model = model;
            this.dir = dir;
            this.resume = resume;
            this.startFingerprint = startFingerprint;
        }

        @Override
        public Report run(Collective collective, String[] argv) throws IOException {
            try {
                return train(collective, argv);
            } catch (ParameterException e) {
                // Spark sends a task's exception to the driver; picocli's holds the unserializable command line
                throw new IllegalArgumentException(e.getMessage());
            }
        }

        private Report train(Collective collective, String[] argv) throws IOException {
            TrainCommand command = Main.parseTrain(argv);
            BarrierTaskContext context = BarrierTaskContext.get();
            String[] decided = context.allGather(collective.rank() == 0 ? startingPoint() : "")[0].split("\n", 2);
            Path from = decided[0].isEmpty() ? null : Path.of(decided[0]);
            if (from != null && !fingerprint(from).equals(decided[1])) {
                throw new IOException(from + " changed while the workers resumed from it (a task of a failed attempt"
                        + " still ran); Spark tries the stage again");
            }
            long resumedStep = from == null ? 0 : Checkpoint.read(from).metadata().step();
            PrintStream log = System.err;
            if (collective.rank() == 0 && context.stageAttemptNumber() > 0) {
                log.println("stage attempt " + context.stageAttemptNumber() + ": "
                        + (from == null ? "starting afresh" : "resuming from " + from + " at step " + resumedStep));
            }
            TrainCommand.WorkerRun run = command.trainWorker(Recipe.parse(taskName, taskText), model, Path.of(dir),
                    from, collectiveHook.apply(collective), context.cpus(), log);
            return Report.of(context.stageAttemptNumber(), from, resumedStep, run.result(), collective.size(),
                    Tensor.bitsHash(run.replica().stateDict().values()));
        }

        /**
         * Rank 0's choice, as the path and its fingerprint on two lines (an empty path to start afresh): the run's checkpoint
         * when it changed since the driver started the stage (an earlier attempt wrote it), else what
         * the driver was given. Every rank checks the fingerprint before it reads the file.
         */
        private String startingPoint() throws IOException {
            Path checkpoint = Path.of(dir).resolve(Trainer.CHECKPOINT);
            String now = fingerprint(checkpoint);
            Path from = !now.isEmpty() && !now.equals(startFingerprint) ? checkpoint
                    : resume.isEmpty() ? null : Path.of(resume);
            return from == null ? "\n" : from + "\n" + fingerprint(from);
        }
    }
}
