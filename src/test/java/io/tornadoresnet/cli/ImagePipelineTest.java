package io.tornadoresnet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** data, train and eval on a generated image folder, as a user runs them. */
class ImagePipelineTest {
    @TempDir
    Path dir;

    /** train/ and val/ with two classes of 10x12 PNGs, one text file named .jpg in train/, and a tiny recipe. */
    private Path task() throws IOException {
        for (String part : List.of("train", "val")) {
            int count = part.equals("train") ? 16 : 6;
            for (int i = 0; i < count; i++) {
                BufferedImage img = new BufferedImage(10, 12, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 12; y++) {
                    for (int x = 0; x < 10; x++) {
                        img.setRGB(x, y, i % 2 == 0 ? (x * 20) << 16 : (y * 20) << 8);
                    }
                }
                Path file = dir.resolve("images/" + part + "/" + (i % 2 == 0 ? "red" : "green") + "/" + i + ".png");
                Files.createDirectories(file.getParent());
                assertTrue(ImageIO.write(img, "png", file.toFile()));
            }
        }
        Files.writeString(dir.resolve("images/train/red/notes.jpg"), "not a picture");
        Path task = dir.resolve("tiny.properties");
        Files.writeString(task, String.join("\n", "model=resnet8", "dataset=folder", "data=" + dir.resolve("images"),
                "input=3x8x8", "resize=10", "augment_scale=10,12", "augment_flip=true", "augment_lighting=0.1",
                "normalization=pixel", "epochs=1", "batch=4", "eval_batch=4", "lr=0.05", "data_threads=2"));
        return task;
    }

    @Test
    void dataStreamsAnEpochAndReportsWhatItLeftOut() throws IOException {
        Path task = task();
        MainTest.Run r = MainTest.run("data", "--data", dir.resolve("images").toString(), "--task", task.toString(),
                "--input", "3x8x8", "--threads", "2", "--json");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.json().startsWith("{\"images\":16,"), r.json());
        assertTrue(r.json().contains("\"skipped\":1,"), r.json());
        assertTrue(r.json().matches(".*\"peak_rss_mb\":[1-9].*"), r.json());
        assertTrue(r.json().contains("\"images_per_s\":"), r.json());
        assertTrue(r.out().contains("decode") && r.out().contains("normalise"), r.out());
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("warning: ")).count(), r.err());
        assertTrue(r.err().contains("notes.jpg: not an image"), r.err());

        MainTest.Run strict = MainTest.run("data", "--data", dir.resolve("images").toString(), "--task",
                task.toString(), "--input", "3x8x8", "--strict");
        assertEquals(1, strict.status());
        assertTrue(strict.err().contains("notes.jpg: not an image"), strict.err());
        MainTest.Run bad = MainTest.run("data", "--data", dir.toString(), "--dataset", "zip");
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("--dataset zip: must be folder or tar"), bad.err());
    }

    @Test
    void trainCountsSkippedFilesAndEvalRunsTheTenCropAndMirrorTests() throws IOException {
        Path task = task();
        Path run = dir.resolve("run");
        MainTest.Run train = MainTest.run("train", "--task", task.toString(), "--out", run.toString());
        assertEquals(0, train.status(), train.err());
        List<String> metrics = Files.readAllLines(run.resolve("metrics.csv"));
        assertTrue(metrics.get(0).endsWith(",skipped,skipped_files,data_wait_s"), metrics.get(0));
        String[] row = metrics.get(1).split(",");
        assertEquals(List.of("0", "1"), List.of(row[9], row[10]), metrics.get(1));
        double wait = Double.parseDouble(row[11]);
        assertTrue(wait >= 0 && wait <= Double.parseDouble(row[8]), "data wait " + wait + " in " + metrics.get(1));
        String checkpoint = run.resolve("last.safetensors").toString();
        MainTest.Run ten = MainTest.run("eval", "--checkpoint", checkpoint, "--crops", "10", "--json");
        assertEquals(0, ten.status(), ten.err());
        assertTrue(ten.json().contains("\"images\":6,"), ten.json());
        assertTrue(ten.json().contains("\"crops\":\"10\""), ten.json());
        MainTest.Run mirrored = MainTest.run("eval", "--checkpoint", checkpoint, "--crops", "flip");
        assertEquals(0, mirrored.status(), mirrored.err());
        assertTrue(mirrored.out().contains(", with mirror images: accuracy ") && mirrored.out().contains("over 6 images"),
                mirrored.out());
        MainTest.Run bad = MainTest.run("eval", "--checkpoint", checkpoint, "--crops", "5");
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("--crops 5: must be 1, flip, 10 or multiscale"), bad.err());
    }

    @Test
    void aResumedRunOnStreamedImagesEndsWithTheWeightsOfAnUninterruptedOne() throws IOException {
        Path task = task();
        Path straight = dir.resolve("straight");
        Path resumed = dir.resolve("resumed");
        assertEquals(0, MainTest.run("train", "--task", task.toString(), "--epochs", "2", "--out",
                straight.toString()).status());
        assertEquals(0, MainTest.run("train", "--task", task.toString(), "--epochs", "1", "--out",
                resumed.toString()).status());
        MainTest.Run second = MainTest.run("train", "--task", task.toString(), "--epochs", "2", "--resume",
                resumed.resolve("last.safetensors").toString());
        assertEquals(0, second.status(), second.err());
        var a = io.tornadoresnet.io.SafeTensors.read(straight.resolve("last.safetensors")).tensors();
        var b = io.tornadoresnet.io.SafeTensors.read(resumed.resolve("last.safetensors")).tensors();
        assertEquals(a.keySet(), b.keySet());
        for (String key : a.keySet()) {
            assertEquals(a.get(key), b.get(key), key);
        }
    }

    @Test
    void twoWorkersOnStreamedImagesAgreeWithTwoGhostBatchesAndResumeExactly() throws IOException {
        Path task = task();
        Path parallel = dir.resolve("parallel");
        Path ghost = dir.resolve("ghost");
        MainTest.Run workers = MainTest.run("train", "--task", task.toString(), "--epochs", "2", "--workers", "2",
                "--threads", "2", "--out", parallel.toString(), "--json");
        assertEquals(0, workers.status(), workers.err());
        assertTrue(workers.json().contains("\"workers\":2"), workers.json());
        assertTrue(workers.json().contains("\"replicas_identical\":true"), workers.json());
        MainTest.Run single = MainTest.run("train", "--task", task.toString(), "--epochs", "2", "--ghost-batch", "2",
                "--threads", "1", "--out", ghost.toString());
        assertEquals(0, single.status(), single.err());
        var a = io.tornadoresnet.io.SafeTensors.read(ghost.resolve("last.safetensors")).tensors();
        var b = io.tornadoresnet.io.SafeTensors.read(parallel.resolve("last.safetensors")).tensors();
        assertEquals(a.keySet(), b.keySet());
        for (String key : a.keySet()) {
            assertEquals(a.get(key), b.get(key), key);
        }
        List<String> expected = Files.readAllLines(ghost.resolve("metrics.csv"));
        List<String> actual = Files.readAllLines(parallel.resolve("metrics.csv"));
        assertEquals(3, actual.size(), actual.toString());
        for (int line = 1; line < 3; line++) {
            String[] e = expected.get(line).split(",");
            String[] p = actual.get(line).split(",");
            assertEquals(e[10], p[10], "skipped files of all workers, epoch " + line);
        }
        assertTrue(expected.stream().skip(1).anyMatch(l -> l.split(",")[10].equals("1")),
                "the text file left out: " + expected);

        Path resumed = dir.resolve("resumed");
        assertEquals(0, MainTest.run("train", "--task", task.toString(), "--epochs", "1", "--workers", "2",
                "--threads", "2", "--out", resumed.toString()).status());
        MainTest.Run second = MainTest.run("train", "--task", task.toString(), "--epochs", "2", "--workers", "2",
                "--threads", "2", "--resume", resumed.resolve("last.safetensors").toString());
        assertEquals(0, second.status(), second.err());
        var c = io.tornadoresnet.io.SafeTensors.read(resumed.resolve("last.safetensors")).tensors();
        for (String key : b.keySet()) {
            assertEquals(b.get(key), c.get(key), "resumed: " + key);
        }
    }
}
