package io.tornadoresnet.cli;

import io.tornadoresnet.io.Checkpoint;
import io.tornadoresnet.io.SafeTensors;
import io.tornadoresnet.train.Trainer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Real training processes killed (SIGKILL) and interrupted (SIGINT) while they run, then resumed
 * with --resume: they must end with exactly the weights of a run that was never stopped.
 */
class InterruptedRunTest {
    /** 3 epochs of 24 steps of ResNet-8 on 8x8 images, one thread, a checkpoint every 2 steps. */
    private static final List<String> TRAIN = List.of("train", "--synthetic", "--model", "resnet8", "--input", "1x8x8",
            "--epochs", "3", "--batch", "8", "--limit-train", "192", "--limit-test", "32", "--threads", "1",
            "--seed", "5", "--checkpoint-every", "2");
    private static final long TOTAL_STEPS = 72;
    private static final int KILLS = 4;
    private static final long HANG_GUARD_SECONDS = 120;

    @TempDir
    static Path shared;
    private static Path reference;

    @BeforeAll
    static void trainWithoutInterruption() throws Exception {
        Path out = shared.resolve("reference");
        Process p = start(out, false);
        assertEquals(0, finish(p), log(out));
        reference = out.resolve(Trainer.CHECKPOINT);
        assertEquals(TOTAL_STEPS, step(reference));
    }

    @Test
    void killedAtRandomMomentsAndResumedItEndsWithTheSameWeights(@TempDir Path dir) throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        Path out = dir.resolve("killed");
        Path checkpoint = out.resolve(Trainer.CHECKPOINT);
        List<Long> killedAfter = new ArrayList<>();
        while (true) {
            Process p = start(out, Files.exists(checkpoint));
            if (killedAfter.size() == KILLS) {
                assertEquals(0, finish(p), log(out));
                break;
            }
            // past 1 to 4 more checkpoints, then a few milliseconds into a step, a write or an evaluation:
            // at most 4 x (8 + a few) of the 72 steps go by before the last kill, on any machine
            awaitProgress(p, checkpoint, step(checkpoint) + 2L * random.nextInt(4));
            Thread.sleep(random.nextInt(10));
            if (!p.isAlive()) {
                fail("the run ended before its kill " + (killedAfter.size() + 1) + " (random seed " + seed + "): "
                        + log(out));
            }
            p.destroyForcibly();
            finish(p);
            killedAfter.add(step(checkpoint));
        }
        assertEquals(KILLS, killedAfter.size());
        assertTrue(killedAfter.get(KILLS - 1) < TOTAL_STEPS, "killed after checkpoints " + killedAfter);
        assertSameWeights(reference, checkpoint, "killed after the checkpoints of steps " + killedAfter
                + " (random seed " + seed + ")");
        assertEquals(metricsWithoutTimes(reference.getParent()), metricsWithoutTimes(out));
        try (var files = Files.list(out)) {
            assertEquals(List.of(), files.filter(f -> f.toString().endsWith(".tmp")).toList(),
                    "half-written files of killed runs are cleared on resume");
        }
    }

    @Test
    void ctrlCWritesTheCurrentStepExitsWith130AndResumesExactly(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("interrupted");
        Path checkpoint = out.resolve(Trainer.CHECKPOINT);
        Process p = start(out, false);
        awaitProgress(p, checkpoint, -1);
        if (sigintIgnoredHere()) {
            p.destroyForcibly();
            finish(p);
            assertTrue(log(out).contains("note: SIGINT is ignored in this process"), log(out));
            Assumptions.abort("SIGINT is ignored in this process (a script's background job, for instance), and"
                    + " so in the runs it starts: Ctrl-C cannot reach them");
        }
        Process kill = new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start();
        assertEquals(0, kill.waitFor());
        assertEquals(130, finish(p), log(out));
        String log = log(out);
        long stoppedAt = step(checkpoint);
        assertTrue(log.contains("stopped at step " + stoppedAt + " "), log);
        assertTrue(log.contains("continue with --resume " + checkpoint), log);
        assertTrue(stoppedAt > 0 && stoppedAt < TOTAL_STEPS, "stopped at " + stoppedAt);

        assertEquals(0, finish(start(out, true)), log(out));
        assertSameWeights(reference, checkpoint, "interrupted at step " + stoppedAt);
    }

    private static Process start(Path out, boolean resume) throws IOException {
        Files.createDirectories(out);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
            command.add("--add-modules=jdk.incubator.vector");
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(TRAIN);
        command.addAll(List.of("--out", out.toString()));
        if (resume) {
            command.addAll(List.of("--resume", out.resolve(Trainer.CHECKPOINT).toString()));
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(out.resolve("log.txt").toFile()));
        builder.environment().put("RESNET_PROGRESS", "lines");
        return builder.start();
    }

    private static int finish(Process p) throws InterruptedException {
        if (!p.waitFor(HANG_GUARD_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("a training process hung");
        }
        return p.exitValue();
    }

    /** Waits until the run writes a checkpoint past {@code before} (or ends). */
    private static void awaitProgress(Process p, Path checkpoint, long before) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(HANG_GUARD_SECONDS);
        while (p.isAlive() && step(checkpoint) <= before) {
            if (System.nanoTime() > deadline) {
                p.destroyForcibly();
                fail("no checkpoint after step " + before);
            }
            Thread.sleep(5);
        }
    }

    /** The step of a checkpoint, or -1 when there is none yet. */
    private static long step(Path checkpoint) throws IOException {
        return Files.exists(checkpoint) ? Checkpoint.read(checkpoint).metadata().step() : -1;
    }

    private static void assertSameWeights(Path expected, Path actual, String what) throws IOException {
        var a = SafeTensors.read(expected).tensors();
        var b = SafeTensors.read(actual).tensors();
        assertEquals(a.keySet(), b.keySet());
        for (String name : a.keySet()) {
            assertEquals(a.get(name), b.get(name), name + " differs bit for bit, " + what);
        }
    }

    /** metrics.csv without its timing columns (images per second, seconds, and the last: seconds waiting for data). */
    private static List<String> metricsWithoutTimes(Path run) throws IOException {
        return Files.readAllLines(run.resolve(Trainer.METRICS)).stream()
                .map(line -> line.replaceAll("^((?:[^,]*,){7})[^,]*,[^,]*", "$1").replaceAll(",[^,]*$", "")).toList();
    }

    /** Whether this process ignores SIGINT (bit 2 of SigIgn in /proc/self/status), as its children then do. */
    private static boolean sigintIgnoredHere() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return false;
        }
        for (String line : Files.readAllLines(status, StandardCharsets.UTF_8)) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16) & 0x2) != 0;
            }
        }
        return false;
    }

    private static String log(Path out) throws IOException {
        Path log = out.resolve("log.txt");
        return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "(no log)";
    }
}
