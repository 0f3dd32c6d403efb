package io.tornadoresnet.cli;

import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.nn.Sgd;
import io.tornadoresnet.plan.Mode;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.train.EpochRecord;
import io.tornadoresnet.train.MetricsLog;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The commands end to end, as a user types them (minus the script around them). */
class MainTest {

    /** What a command printed and returned. */
    record Run(int status, String out, String err) {
        String json() {
            String[] lines = out.strip().split("\n");
            return lines[lines.length - 1];
        }
    }

    static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void infoPrintsTheLayerTableAndJson() {
        Run r = run("info", "--model", "resnet50", "--json");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("layer4.2.conv3"), r.out());
        assertTrue(r.json().startsWith("{\"model\":\"resnet50\""), r.json());
        assertTrue(r.json().contains("\"params\":25557032"), r.json());
        assertTrue(r.json().contains("\"macs\":4089184256"), r.json());
    }

    @Test
    void infoWithABatchSizePrintsTheMemoryOfBothModes() {
        Run r = run("info", "--model", "resnet20", "--input", "1x28x28", "--batch", "64", "--json");
        assertEquals(0, r.status(), r.err());
        ResNet model = ResNets.create("resnet20", Shape.of(1, 28, 28), 10);
        ResNet.Memory training = model.memory(Mode.TRAIN, 64, Sgd.PAPER);
        String total = Double.toString(Math.round(training.total() / (1024.0 * 1024.0) * 10) / 10.0);
        assertTrue(r.out().contains("memory at batch 64"), r.out());
        assertTrue(r.json().contains("\"memory\":{\"batch\":64,\"train\":{\"total_mib\":" + total + ","), r.json());
        assertTrue(r.json().contains("\"infer\":{\"total_mib\":"), r.json());
        assertFalse(run("info", "--model", "resnet20", "--json").json().contains("memory"));

        Run zero = run("info", "--model", "resnet20", "--batch", "0");
        assertEquals(2, zero.status());
        assertTrue(zero.err().contains("--batch 0: must be from 1 to"), zero.err());
    }

    @Test
    void benchReportsThroughput() {
        Run r = run("bench", "--model", "resnet8", "--input", "1x8x8", "--batch", "4", "--iters", "1", "--repeats", "1",
                "--warmup", "0", "--mode", "infer", "--threads", "1", "--json");
        assertEquals(0, r.status(), r.err());
        for (String key : new String[] {"images_per_s", "\"mode\":\"infer\"", "\"backend\":\"jvm\"", "\"threads\":1",
                "\"batch\":4"}) {
            assertTrue(r.json().contains(key), key + " in " + r.json());
        }
    }

    @Test
    void checkRunsTheSelectedChecksOfTheJvmBackendAndListsThemInJson() {
        Run r = run("check", "--backend", "jvm", "--threads", "1", "--only", "ops/resnet8", "--json");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("pass  ops/resnet8 train"), r.out());
        assertTrue(r.json().startsWith("{\"backend\":\"jvm\""), r.json());
        for (String key : new String[] {"\"passed\":true", "\"checks\":[{\"name\":\"ops/resnet8 train\"", "\"max_error\":",
                "\"tolerance\":1.0E-4", "\"seconds\":"}) {
            assertTrue(r.json().contains(key), key + " in " + r.json());
        }
    }

    @Test
    void checkRefusesAPrefixThatNamesNoCheck() {
        Run r = run("check", "--backend", "jvm", "--only", "nothing/");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("--only nothing/: no check's name starts so"), r.err());
    }

    @Test
    void checkOnTornadoSaysInOneLineThatThisBuildHasNone() {
        assumeTrue(System.getenv("TORNADOVM_HOME") == null, "a tornado build");
        Run check = run("check", "--backend", "tornado");
        assertEquals(1, check.status());
        assertTrue(check.err().startsWith("resnet check: this build has no tornado backend"), check.err());
        assertEquals(1, check.err().strip().lines().count(), check.err());
    }

    @Test
    void benchOnDevicesPrintsOneTableAndOneObjectWithAListOfDevices() {
        Run r = run("bench", "--model", "resnet8", "--input", "1x8x8", "--batch", "2", "--iters", "1", "--repeats", "1",
                "--warmup", "0", "--devices", "jvm", "--threads", "1", "--json");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("GFLOP/s"), r.out());
        assertTrue(r.json().contains("\"devices\":[{\"model\":\"resnet8\""), r.json());
        for (String key : new String[] {"\"gflop_per_image\":", "\"gflop_per_s\":", "\"first_step_seconds\":",
                "\"device_memory_mib\":null", "\"id\":\"jvm\""}) {
            assertTrue(r.json().contains(key), key + " in " + r.json());
        }
    }

    @Test
    void benchWithOpsPrintsTheTimeOfEachKindOfStep() {
        Run r = run("bench", "--model", "resnet8", "--input", "1x8x8", "--batch", "2", "--iters", "2", "--repeats", "1",
                "--warmup", "0", "--threads", "1", "--ops", "--json");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("per step, over the 2 timed steps:"), r.out());
        assertTrue(r.out().contains("conv weight gradient 1x8x8->16 3x3/1"), r.out());
        assertTrue(r.json().contains("\"ops\":[{\"op\":"), r.json());
        assertTrue(r.json().contains("\"ms_per_step\":"), r.json());
        assertEquals(2, run("bench", "--ops", "--devices", "jvm").status());
    }

    @Test
    void benchOnDevicesRefusesABadDeviceAndABackend() {
        assertEquals(2, run("bench", "--devices", "gpu0").status());
        assertEquals(2, run("bench", "--devices", "jvm", "--backend", "jvm").status());
    }

    @Test
    void trainEvalAndPredictOnSyntheticData(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("run");
        Run train = run("train", "--synthetic", "--model", "resnet8", "--input", "1x8x8", "--epochs", "1",
                "--batch", "64", "--threads", "2", "--set", "augment_flip=false", "--out", out.toString(), "--json");
        assertEquals(0, train.status(), train.err());
        for (String key : new String[] {"test_accuracy", "train_loss", "train_seconds", "images_per_s",
                "data_wait_seconds", "checkpoint", "\"out\"", "\"epochs\":1", "\"steps\":32"}) {
            assertTrue(train.json().contains(key), key + " in " + train.json());
        }
        assertTrue(train.err().contains("epoch 1/1"), "the trainer logs to the command's stderr: " + train.err());
        assertTrue(train.err().contains(" s waiting for data)"), "the epoch's line gives the wait: " + train.err());
        String recipe = Files.readString(out.resolve("recipe.properties"));
        assertTrue(recipe.contains("augment_flip=false\n") && recipe.contains("batch=64\n")
                && recipe.contains("dataset=synthetic\n"), recipe);
        Path checkpoint = out.resolve("last.safetensors");
        assertTrue(Files.exists(checkpoint));
        assertTrue(Files.exists(out.resolve("metrics.csv")));
        assertTrue(Files.exists(out.resolve("curves.png")));

        Path comparison = dir.resolve("two.png");
        Run plot = run("plot", out.toString(), out.toString(), "--labels", "first,again", "--out",
                comparison.toString(), "--json");
        assertEquals(0, plot.status(), plot.err());
        assertTrue(plot.json().contains("\"runs\":[\"first\",\"again\"]"), plot.json());
        assertTrue(Files.size(comparison) > 0);

        Path image = dir.resolve("gray.png");
        BufferedImage gray = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
        ImageIO.write(gray, "png", image.toFile());
        Run predict = run("predict", "--checkpoint", checkpoint.toString(), image.toString(), "--json");
        assertEquals(0, predict.status(), predict.err());
        assertTrue(predict.json().contains("\"predictions\":[{\"image\""), predict.json());
        assertEquals(5, predict.json().split("probability").length - 1, predict.json());

        Run eval = run("eval", "--checkpoint", checkpoint.toString(), "--json");
        assertEquals(2, eval.status(), "synthetic data cannot be evaluated from disk: " + eval.out());
        assertTrue(eval.err().contains("trained on synthetic data"), eval.err());

        Run again = run("train", "--synthetic", "--model", "resnet8", "--input", "1x8x8", "--epochs", "1",
                "--batch", "64", "--threads", "2", "--resume", checkpoint.toString());
        assertEquals(1, again.status(), again.err());
        assertTrue(again.err().contains("already reached epoch 1"), again.err());
        assertFalse(again.err().contains("\tat "), "no stack trace without --debug: " + again.err());
    }

    @Test
    void aDivergingRunEndsWithOneLineNamingTheStep(@TempDir Path dir) throws IOException {
        Run diverged = run("train", "--synthetic", "--model", "resnet8", "--input", "1x8x8", "--epochs", "1",
                "--batch", "64", "--lr", "1e30", "--threads", "1", "--out", dir.resolve("nan").toString());
        assertEquals(1, diverged.status(), diverged.err());
        String[] lines = diverged.err().split("\n");
        assertTrue(lines[lines.length - 1].matches("resnet train: loss became \\S+ at step \\d+ \\(epoch 1, .*--skip-nonfinite.*"),
                diverged.err());
        assertEquals(1, diverged.err().lines().filter(line -> line.startsWith("resnet train:")).count(), diverged.err());
        assertFalse(diverged.err().contains("\tat "), "one line, no stack trace: " + diverged.err());

        Path out = dir.resolve("skip");
        Run skipping = run("train", "--synthetic", "--model", "resnet8", "--input", "1x8x8", "--epochs", "1",
                "--batch", "64", "--threads", "1", "--skip-nonfinite", "--checkpoint-every", "10", "--out",
                out.toString());
        assertEquals(0, skipping.status(), skipping.err());
        String recipe = Files.readString(out.resolve("recipe.properties"));
        assertTrue(recipe.contains("skip_nonfinite=true") && recipe.contains("checkpoint_every=10"), recipe);
    }

    @Test
    void plotCurvesRedrawsEachRunsOwnFigureFromItsMetrics(@TempDir Path dir) throws IOException {
        Path first = dir.resolve("first");
        Path second = dir.resolve("second");
        for (Path run : List.of(first, second)) {
            Files.createDirectories(run);
            MetricsLog metrics = new MetricsLog(run.resolve("metrics.csv"));
            metrics.append(new EpochRecord(1, 10, 0.1, 0.9, 0.30, 0.8, 0.25, 100, 2, 0));
            metrics.append(new EpochRecord(2, 20, 0.1, 0.5, 0.15, 2.1, 0.56, 100, 2, 0));
        }
        Files.writeString(first.resolve("recipe.properties"), "model=resnet56\n");
        Run plot = run("plot", "--curves", first.toString(), second.toString(), "--json");
        assertEquals(0, plot.status(), plot.err());
        assertTrue(plot.json().contains("\"plots\":[\"" + first.resolve("curves.png") + "\",\""
                + second.resolve("curves.png") + "\"]"), plot.json());
        for (Path run : List.of(first, second)) {
            BufferedImage curves = ImageIO.read(run.resolve("curves.png").toFile());
            assertEquals(2 * 560, curves.getWidth());
        }

        Run withOut = run("plot", "--curves", first.toString(), "--out", dir.resolve("x.png").toString());
        assertEquals(2, withOut.status());
        assertTrue(withOut.err().contains("--labels and --out do not apply"), withOut.err());
        Path empty = dir.resolve("empty");
        Files.createDirectories(empty);
        Files.writeString(empty.resolve("metrics.csv"), "");
        Run noEpoch = run("plot", "--curves", empty.toString());
        assertEquals(1, noEpoch.status());
        assertTrue(noEpoch.err().contains("holds no finished epoch"), noEpoch.err());
    }

    @Test
    void plotRefusesFoldersWithoutMetricsAndMiscountedLabels(@TempDir Path dir) {
        Run notARun = run("plot", dir.toString());
        assertEquals(1, notARun.status());
        assertTrue(notARun.err().contains("holds no metrics.csv"), notARun.err());
        Run labelsMiscounted = run("plot", dir.toString(), "--labels", "a,b");
        assertEquals(2, labelsMiscounted.status());
        assertTrue(labelsMiscounted.err().contains("--labels names 2 runs, but 1"), labelsMiscounted.err());
    }

    @Test
    void everyCommandHasHelp() {
        for (String command : new String[] {"train", "eval", "predict", "plot", "bench", "info", "completion"}) {
            for (String help : new String[] {"-h", "--help"}) {
                Run r = run(command, help);
                assertEquals(0, r.status(), command + " " + help + ": " + r.err());
                assertTrue(r.out().startsWith("Usage: resnet " + command), r.out());
                assertEquals("", r.err());
            }
        }
        Run top = run("--help");
        assertEquals(0, top.status());
        for (String command : new String[] {"train", "eval", "predict", "plot", "bench", "info", "completion"}) {
            assertTrue(top.out().contains("\n  " + command + " "), command + " in " + top.out());
        }
    }

    @Test
    void helpShowsEveryOptionWithItsDefault() {
        String train = oneLine(run("train", "--help").out());
        for (String option : new String[] {"--task=FILE", "--set=KEY=VALUE", "--schedule", "--holdout=N", "--input=CxHxW",
                "--shortcut=A|B", "--dataset=KIND", "--synthetic", "--epochs=N", "--batch=N", "--lr=X", "--seed=S",
                "--limit-train=N", "--limit-test=N", "--backend", "--threads=N", "--device", "--out=DIR",
                "--resume=FILE", "--checkpoint-every=STEPS", "--skip-nonfinite", "--json", "--debug", "--version"}) {
            assertTrue(train.contains(option), option + " in " + train);
        }
        assertTrue(train.contains("(default: tasks/fashion-mnist-resnet20.properties)"), train);
        assertTrue(train.contains("(checkpoint_every; default: the task's, else 0)"), train);
        assertTrue(train.contains("(skip_nonfinite=true; default: the task's, else false)"), train);
        String bench = oneLine(run("bench", "--help").out());
        for (String shown : new String[] {"(default: 128)", "(default: train)", "(default: 5)", "(default: 3)",
                "(default: resnet20)", "(default: A)"}) {
            assertTrue(bench.contains(shown), shown + " in " + bench);
        }
        assertTrue(oneLine(run("plot", "--help").out()).contains("(default: comparison.png)"));
    }

    /** Help text with its line wrapping undone. */
    private static String oneLine(String help) {
        return help.replaceAll("\\s+", " ");
    }

    @Test
    void optionsThatDoNothingAreGone() {
        for (String option : new String[] {"--nesterov", "--quiet", "--no-plot"}) {
            Run r = run("train", "--synthetic", option);
            assertEquals(2, r.status(), option);
            assertTrue(r.err().contains("Unknown option: '" + option + "'"), r.err());
        }
    }

    @Test
    void versionNamesTheProjectAndTornadoVm() throws IOException {
        for (String[] argv : new String[][] {{"--version"}, {"-V"}, {"train", "--version"}}) {
            Run r = run(argv);
            assertEquals(0, r.status(), r.err());
            String[] lines = r.out().split("\n");
            assertEquals("resnet " + Version.project(), lines[0]);
            assertTrue(lines[0].matches("resnet \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?"), lines[0]);
            assertTrue(lines[1].equals("TornadoVM: not present") || lines[1].matches("TornadoVM \\S+"), lines[1]);
        }
    }

    @Test
    void versionOfALibraryComesFromItsJar() {
        assertTrue(Version.implementationVersion("org.junit.jupiter.api.Test").orElseThrow().matches("5\\.\\d+.*"));
        assertTrue(Version.implementationVersion("uk.ac.manchester.tornado.api.NoSuchClass").isEmpty());
    }

    @Test
    void completionPrintsABashScriptForEveryCommand() {
        Run r = run("completion");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().startsWith("#!/usr/bin/env bash"), r.out());
        assertTrue(r.out().contains("complete -F _complete_resnet"), r.out());
        for (String word : new String[] {"train", "eval", "predict", "plot", "bench", "info", "--set", "--limit-train"}) {
            assertTrue(r.out().contains(word), word);
        }
    }

    @Test
    void mistakesGetOneLineAndExitStatusTwo() {
        Run none = run();
        assertEquals(2, none.status());
        assertTrue(none.err().contains("give a command: train, eval"), none.err());
        Run unknownCommand = run("fly");
        assertEquals(2, unknownCommand.status());
        assertTrue(unknownCommand.err().startsWith("resnet: unknown command 'fly'"), unknownCommand.err());
        Run unknownOption = run("info", "--model", "resnet20", "--colour", "red");
        assertEquals(2, unknownOption.status());
        assertTrue(unknownOption.err().contains("--colour"), unknownOption.err());
        Run badNumber = run("bench", "--batch", "many");
        assertEquals(2, badNumber.status());
        assertTrue(badNumber.err().contains("'--batch': 'many' is not an int"), badNumber.err());
        Run badModel = run("info", "--model", "resnet7");
        assertEquals(2, badModel.status());
        assertTrue(badModel.err().contains("unknown model 'resnet7'"), badModel.err());
        Run missing = run("eval");
        assertEquals(2, missing.status());
        assertTrue(missing.err().contains("Missing required option: '--checkpoint=FILE'"), missing.err());
        Run noImages = run("predict", "--checkpoint", "x.safetensors");
        assertEquals(2, noImages.status());
        assertTrue(noImages.err().contains("IMAGE"), noImages.err());
        Run badSet = run("train", "--synthetic", "--set", "lr");
        assertEquals(2, badSet.status());
        assertTrue(badSet.err().contains("KEY=VALUE"), badSet.err());
    }

    @Test
    void runtimeFailuresGetOneLineAndExitStatusOne() {
        Run noTornado = run("bench", "--backend", "tornado");
        assertEquals(1, noTornado.status());
        assertTrue(noTornado.err().startsWith("resnet bench: this build has no tornado backend"), noTornado.err());
        assertEquals(1, noTornado.err().strip().split("\n").length, noTornado.err());
        Run debug = run("bench", "--backend", "tornado", "--debug");
        assertEquals(1, debug.status());
        assertTrue(debug.err().contains("java.lang.IllegalStateException: this build has no tornado backend"),
                debug.err());
        assertTrue(debug.err().contains("\tat io.tornadoresnet.cli.BackendOptions"), debug.err());
        Run before = run("--debug", "bench", "--backend", "tornado");
        assertTrue(before.err().contains("\tat "), "--debug before the command works too: " + before.err());
    }

    @Test
    void failuresReadAsOneLine() {
        assertEquals("no such file or folder: data/x", Main.reason(new NoSuchFileException("data/x")));
        assertEquals("permission denied: runs/a", Main.reason(new AccessDeniedException("runs/a")));
        assertEquals("not a folder: runs/a", Main.reason(new NotDirectoryException("runs/a")));
        assertEquals("runs/a: No space left on device",
                Main.reason(new UncheckedIOException(new FileSystemException("runs/a", null, "No space left on device"))));
        assertEquals("batch 200 is larger than the training set", Main.reason(
                new IllegalArgumentException("batch 200 is larger than the training set")));
        assertEquals("java.lang.NullPointerException: oops (--debug shows where)",
                Main.reason(new NullPointerException("oops")));
    }
}
