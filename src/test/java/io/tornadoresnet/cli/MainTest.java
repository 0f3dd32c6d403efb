package io.tornadoresnet.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The commands end to end, as a user types them (minus the script around them). */
class MainTest {

    /** What a command printed and returned. */
    private record Run(int status, String out, String err) {
        String json() {
            String[] lines = out.strip().split("\n");
            return lines[lines.length - 1];
        }
    }

    private static Run run(String... args) {
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
    void trainEvalAndPredictOnSyntheticData(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("run");
        Run train = run("train", "--synthetic", "--model", "resnet8", "--input", "1x8x8", "--epochs", "1",
                "--batch", "64", "--threads", "2", "--out", out.toString(), "--json");
        assertEquals(0, train.status(), train.err());
        for (String key : new String[] {"test_accuracy", "train_loss", "train_seconds", "images_per_s", "checkpoint",
                "\"out\""}) {
            assertTrue(train.json().contains(key), key + " in " + train.json());
        }
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
        Run notARun = run("plot", dir.toString());
        assertEquals(2, notARun.status());
        assertTrue(notARun.err().contains("holds no metrics.csv"), notARun.err());
        Run labelsMiscounted = run("plot", out.toString(), "--labels", "a,b");
        assertEquals(2, labelsMiscounted.status());
        assertTrue(labelsMiscounted.err().contains("--labels names 2 runs, but 1"), labelsMiscounted.err());

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
    }

    @Test
    void aDivergingRunEndsWithOneLineNamingTheStep(@TempDir Path dir) throws IOException {
        Run diverged = run("train", "--synthetic", "--model", "resnet8", "--input", "1x8x8", "--epochs", "1",
                "--batch", "64", "--lr", "1e30", "--threads", "1", "--out", dir.resolve("nan").toString());
        assertEquals(1, diverged.status(), diverged.err());
        assertEquals(1, diverged.err().lines().count(), diverged.err());
        assertTrue(diverged.err().matches("resnet train: loss became \\S+ at step \\d+ \\(epoch 1, .*--skip-nonfinite.*\n"),
                diverged.err());

        Path out = dir.resolve("skip");
        Run skipping = run("train", "--synthetic", "--model", "resnet8", "--input", "1x8x8", "--epochs", "1",
                "--batch", "64", "--threads", "1", "--skip-nonfinite", "--checkpoint-every", "10", "--out",
                out.toString());
        assertEquals(0, skipping.status(), skipping.err());
        String recipe = Files.readString(out.resolve("recipe.properties"));
        assertTrue(recipe.contains("skip_nonfinite=true") && recipe.contains("checkpoint_every=10"), recipe);
    }

    @Test
    void mistakesGetUsageAndExitStatusTwo() {
        Run unknownCommand = run("fly");
        assertEquals(2, unknownCommand.status());
        assertTrue(unknownCommand.err().contains("unknown command 'fly'"));
        Run unknownOption = run("info", "--model", "resnet20", "--colour", "red");
        assertEquals(2, unknownOption.status());
        assertTrue(unknownOption.err().contains("--colour"), unknownOption.err());
        Run badNumber = run("bench", "--batch", "many");
        assertEquals(2, badNumber.status());
        assertTrue(badNumber.err().contains("--batch takes a whole number"), badNumber.err());
        Run badModel = run("info", "--model", "resnet7");
        assertEquals(1, badModel.status());
        assertTrue(badModel.err().contains("unknown model"), badModel.err());
        Run noTornado = run("bench", "--backend", "tornado");
        assertEquals(1, noTornado.status());
        assertTrue(noTornado.err().contains("tornado"), noTornado.err());
    }
}
