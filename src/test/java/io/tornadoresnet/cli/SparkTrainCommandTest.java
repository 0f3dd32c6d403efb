package io.tornadoresnet.cli;

import io.tornadoresnet.distributed.Collective;
import io.tornadoresnet.io.SafeTensors;
import io.tornadoresnet.train.Trainer;
import org.apache.spark.BarrierTaskContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * train --spark local[2]: the workers as the tasks of a Spark barrier stage in this JVM end with the
 * weights of --workers 2 in one process, bit for bit, also when the stage's first attempt fails.
 */
class SparkTrainCommandTest {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    /**
     * 2 epochs of 8 steps of ResNet-8 on 8x8 images, a checkpoint every 3 steps; each worker has one
     * thread (on Spark, spark.task.cpus).
     */
    private static final List<String> TRAIN = List.of("train", "--synthetic", "--model", "resnet8", "--input", "1x8x8",
            "--epochs", "2", "--batch", "64", "--limit-train", "512", "--limit-test", "128", "--seed", "3",
            "--checkpoint-every", "3", "--workers", "2", "--json");

    @TempDir
    static Path shared;
    private static Path reference;

    @BeforeAll
    static void trainTwoWorkersInOneProcess() {
        System.setProperty("spark.ui.enabled", "false");
        MainTest.Run r = train(shared.resolve("threads"), "--threads", "2");
        assertEquals(0, r.status(), r.err());
        reference = shared.resolve("threads").resolve(Trainer.CHECKPOINT);
    }

    @AfterAll
    static void clearSparkProperty() {
        System.clearProperty("spark.ui.enabled");
    }

    @AfterEach
    void removeHook() {
        SparkTraining.collectiveHook = UnaryOperator.identity();
    }

    private static MainTest.Run train(Path out, String... more) {
        List<String> args = new ArrayList<>(TRAIN);
        args.addAll(List.of("--out", out.toString()));
        args.addAll(List.of(more));
        return MainTest.run(args.toArray(String[]::new));
    }

    @Test
    void localTwoTrainsAsTwoWorkersInOneProcessDo(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("spark");
        MainTest.Run r = train(out, "--spark", "local[2]");
        assertEquals(0, r.status(), r.err());
        for (String key : new String[] {"\"workers\":2", "\"global_batch\":64", "\"steps\":16",
                "\"allreduce_bytes_per_step\":301944", "\"allreduce_seconds\":", "\"compute_seconds\":",
                "\"replicas_identical\":true", "\"checkpoint\":\"" + out.resolve(Trainer.CHECKPOINT) + "\""}) {
            assertTrue(r.json().contains(key), key + " in " + r.json());
        }
        assertTrue(r.err().contains("2 workers in one barrier stage"), r.err());
        assertFalse(r.err().contains("stage attempt"), r.err());
        assertSameWeights(reference, out.resolve(Trainer.CHECKPOINT));
        assertEquals(Files.readString(reference.resolveSibling(Trainer.RECIPE)),
                Files.readString(out.resolve(Trainer.RECIPE)));
    }

    /** Worker 1 of the stage's first attempt fails at its 14th averaging call, after a checkpoint. */
    @Test
    void aStageThatFailsIsRetriedFromTheLastCheckpointAndEndsWithTheSameWeights(@TempDir Path dir)
            throws IOException {
        SparkTraining.collectiveHook = collective -> BarrierTaskContext.get().stageAttemptNumber() == 0
                && collective.rank() == 1 ? new FailingAt(collective, 14) : collective;
        Path out = dir.resolve("retried");
        MainTest.Run r = train(out, "--spark", "local[2]");
        assertEquals(0, r.status(), r.err());
        String resumed = r.err().lines().filter(line -> line.startsWith("stage attempt 1 resumed from "))
                .findFirst().orElseThrow(() -> new AssertionError("no resumption in: " + r.err()));
        assertTrue(resumed.matches("stage attempt 1 resumed from " + out.resolve(Trainer.CHECKPOINT)
                + " at step (3|6)"), resumed);
        assertTrue(r.json().contains("\"replicas_identical\":true"), r.json());
        assertTrue(r.json().contains("\"steps\":16"), r.json());
        assertSameWeights(reference, out.resolve(Trainer.CHECKPOINT));
    }

    @Test
    void sparkWithoutAMasterNeedsSparkSubmit(@TempDir Path dir) {
        MainTest.Run r = train(dir.resolve("none"), "--spark");
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("--spark without a master takes spark-submit's, and there is none"), r.err());
    }

    @Test
    void aStageThatFailedForGoodIsReportedInOneLine() {
        String message = "Job aborted due to stage failure: ShuffleMapStage 0 (repartition at SparkWorkers.java:63) "
                + "has failed the maximum allowable number of times: 4. Most recent failure reason: Stage failed "
                + "because barrier task ShuffleMapTask(0, 1) finished unsuccessfully.\n"
                + "java.lang.IllegalArgumentException: batch 64 is larger than the training set (32 images)\n"
                + "\tat io.tornadoresnet.train.Trainer.prepare(Trainer.java:260)\n"
                + "Caused by: java.io.IOException: not this one\n";
        assertEquals("Spark gave up on the workers' stage, last failure: IllegalArgumentException: batch 64 is larger "
                + "than the training set (32 images)", SparkTraining.stageFailure(message));
        assertEquals("Spark gave up on the workers' stage, last failure: Stage failed because barrier task "
                + "ShuffleMapTask(0, 1) finished unsuccessfully.", SparkTraining.stageFailure("Job aborted due to stage "
                + "failure: Lost task 0.0 (TID 3) (10.0.0.2 executor 1): Stage failed because barrier task "
                + "ShuffleMapTask(0, 1) finished unsuccessfully."));
    }

    @Test
    void aLocalMasterWithFewerSlotsThanWorkersIsRefused(@TempDir Path dir) {
        MainTest.Run r = train(dir.resolve("few"), "--spark", "local[1]");
        assertEquals(1, r.status(), r.err());
        assertTrue(r.err().contains("--spark local[1] runs 1 task(s) at once, fewer than --workers 2: give local[2]"),
                r.err());
    }

    /** Spark sends a task's exception to the driver, so a worker's usage error must serialize. */
    @Test
    void aWorkersUsageErrorReachesTheDriverAsAPlainException() throws IOException {
        SparkTraining.Worker worker = new SparkTraining.Worker("task", "", "resnet8", "/tmp", "", "");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> worker.run(null, new String[] {"train", "--no-such-option"}));
        assertTrue(e.getMessage().contains("--no-such-option"), e.getMessage());
        try (ObjectOutputStream out = new ObjectOutputStream(new ByteArrayOutputStream())) {
            out.writeObject(e);
        }
    }

    /** The jar's default classpath has no Spark: train runs there, and --spark says what is missing. */
    @Test
    void trainRunsWithoutSparkOnTheClasspath(@TempDir Path dir) throws Exception {
        String classpath = List.of(System.getProperty("java.class.path").split(File.pathSeparator)).stream()
                .filter(entry -> !entry.contains(File.separator + "spark-"))
                .collect(Collectors.joining(File.pathSeparator));
        List<String> plain = new ArrayList<>(List.of("train", "--synthetic", "--model", "resnet8", "--input", "1x8x8",
                "--epochs", "1", "--batch", "64", "--limit-train", "128", "--limit-test", "32", "--threads", "1",
                "--out", dir.resolve("plain").toString()));
        assertEquals(0, java(classpath, plain, dir.resolve("plain.log")),
                Files.readString(dir.resolve("plain.log")));
        assertTrue(Files.exists(dir.resolve("plain").resolve(Trainer.CHECKPOINT)));

        List<String> spark = new ArrayList<>(plain);
        spark.addAll(List.of("--spark", "local[2]", "--workers", "2"));
        assertEquals(1, java(classpath, spark, dir.resolve("spark.log")));
        List<String> lines = Files.readAllLines(dir.resolve("spark.log"));
        assertEquals("resnet train: --spark needs Apache Spark's jars on the classpath: run through scripts/resnet,"
                + " which adds them, or spark-submit", lines.get(lines.size() - 1), String.join("\n", lines));
    }

    private static int java(String classpath, List<String> args, Path log) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            command.add("--add-modules=jdk.incubator.vector");
        }
        command.addAll(List.of("-cp", classpath, Main.class.getName()));
        command.addAll(args);
        Process p = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return p.waitFor();
    }

    private static void assertSameWeights(Path expected, Path actual) throws IOException {
        var a = SafeTensors.read(expected).tensors();
        var b = SafeTensors.read(actual).tensors();
        assertEquals(a.keySet(), b.keySet());
        for (String name : a.keySet()) {
            assertEquals(a.get(name), b.get(name), name + " differs bit for bit");
        }
    }

    /** A collective whose n-th averaging call fails, as a worker whose device is lost. */
    private static final class FailingAt implements Collective {
        private final Collective inner;
        private final int failingCall;
        private final AtomicInteger calls = new AtomicInteger();

        FailingAt(Collective inner, int failingCall) {
            this.inner = inner;
            this.failingCall = failingCall;
        }

        @Override
        public int rank() {
            return inner.rank();
        }

        @Override
        public int size() {
            return inner.size();
        }

        @Override
        public void allReduceMean(float[] data, int offset, int length) throws IOException {
            if (calls.incrementAndGet() == failingCall) {
                throw new IOException("worker 1 lost its device");
            }
            inner.allReduceMean(data, offset, length);
        }

        @Override
        public void close() throws IOException {
            inner.close();
        }
    }
}
