package io.tornadoresnet.train;

import io.tornadoresnet.backend.jvm.JvmBackend;
import io.tornadoresnet.data.Dataset;
import io.tornadoresnet.data.Datasets;
import io.tornadoresnet.data.ImageFixtures;
import io.tornadoresnet.data.StreamingImages;
import io.tornadoresnet.data.TarShards;
import io.tornadoresnet.io.Checkpoint;
import io.tornadoresnet.io.SafeTensors;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.plan.Backend;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A run on a folder of image files or on tar shards, stopped in the middle of an epoch as Ctrl-C stops it and resumed
 * from its checkpoint, ends with the weights of a run that was never stopped: the resumed loader
 * restarts the epoch's shuffled sample order at the right batch, with the same augmentation and the
 * same rows left out for the files that do not decode, and the same count of them in metrics.csv
 * (the loader does not decode the batches it passes over: the checkpoint carries the count so far).
 */
class StreamedResumeTest {
    private static final int STOP_AFTER_STEP = 2;

    /** train/ and val/ with two classes of 10x12 PNGs and, in train/, two text files named .jpg. */
    private static Path imageFolder(Path dir) throws IOException {
        for (String part : List.of("train", "val")) {
            int count = part.equals("train") ? 16 : 6;
            for (int i = 0; i < count; i++) {
                BufferedImage img = new BufferedImage(10, 12, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 12; y++) {
                    for (int x = 0; x < 10; x++) {
                        img.setRGB(x, y, i % 2 == 0 ? (x * 20 + i) << 16 : (y * 20 + i) << 8);
                    }
                }
                Path file = dir.resolve(part + "/" + (i % 2 == 0 ? "red" : "green") + "/" + i + ".png");
                Files.createDirectories(file.getParent());
                assertTrue(ImageIO.write(img, "png", file.toFile()));
            }
        }
        Files.writeString(dir.resolve("train/red/notes.jpg"), "not a picture");
        Files.writeString(dir.resolve("train/green/readme.jpg"), "not a picture either");
        return dir;
    }

    /** The folder's files, text files included, as one tar shard per part with the labels green 0 and red 1. */
    private static Path tarShards(Path folder, Path dir) throws IOException {
        for (String part : List.of("train", "val")) {
            Map<String, byte[]> members = new LinkedHashMap<>();
            List<Path> files;
            try (var walk = Files.walk(folder.resolve(part))) {
                files = walk.filter(Files::isRegularFile).sorted().toList();
            }
            for (int i = 0; i < files.size(); i++) {
                String name = files.get(i).getFileName().toString();
                String key = String.format("sample%04d", i);
                members.put(key + name.substring(name.indexOf('.')), Files.readAllBytes(files.get(i)));
                String label = files.get(i).getParent().getFileName().toString().equals("green") ? "0" : "1";
                members.put(key + ".cls", label.getBytes(StandardCharsets.US_ASCII));
            }
            ImageFixtures.tar(dir.resolve(part + "/shard-000000.tar"), members);
        }
        Files.writeString(dir.resolve(TarShards.CLASSES), "green\nred\n");
        return dir;
    }

    private static Recipe task(String dataset, Path data) throws IOException {
        return Recipe.parse("tiny", String.join("\n", "model=resnet8", "dataset=" + dataset, "data=" + data,
                "input=3x8x8", "resize=10", "augment_scale=10,12", "augment_flip=true", "augment_lighting=0.1",
                "normalization=pixel", "epochs=2", "batch=4", "eval_batch=4", "lr=0.05", "seed=7", "data_threads=2",
                "checkpoint_every=" + STOP_AFTER_STEP));
    }

    private static Trainer.Result train(Recipe recipe, Path out, Path resume, CheckpointListener.Writer writer,
                                        StopSignal stop) throws IOException {
        StreamingImages.Settings settings = recipe.imageSettings();
        Dataset train = Datasets.open(recipe.dataset(), recipe.data(), true, recipe.input(), recipe.resize(), settings);
        Dataset test = Datasets.open(recipe.dataset(), recipe.data(), false, recipe.input(), recipe.resize(),
                settings);
        try (Backend backend = new JvmBackend(1)) {
            return new Trainer(recipe, ResNets.create("resnet8", train.imageShape(), train.numClasses(),
                    recipe.shortcut()), backend, train, test, out, new PrintStream(new ByteArrayOutputStream(), true),
                    false).withCheckpointWriter(writer).run(resume, stop);
        }
    }

    @Test
    void aFolderRunStoppedMidEpochResumesToTheWeightsOfAnUninterruptedOne(@TempDir Path dir) throws IOException {
        assertStoppedAndResumedRunMatches(task("folder", imageFolder(dir.resolve("images"))), dir);
    }

    @Test
    void aTarShardRunStoppedMidEpochResumesToTheWeightsOfAnUninterruptedOne(@TempDir Path dir) throws IOException {
        Path shards = tarShards(imageFolder(dir.resolve("images")), dir.resolve("shards"));
        assertStoppedAndResumedRunMatches(task("tar", shards), dir);
    }

    private static void assertStoppedAndResumedRunMatches(Recipe recipe, Path dir) throws IOException {
        Trainer.Result straight = train(recipe, dir.resolve("straight"), null, Checkpoint::save, StopSignal.manual());
        List<EpochRecord> expected = new MetricsLog(dir.resolve("straight").resolve(Trainer.METRICS)).read();
        assertEquals(2, expected.size());
        assertEquals(2, expected.get(0).skippedFiles(), "the text files are left out of the stopped epoch");
        int stepsPerEpoch = (int) (expected.get(0).step());
        assertTrue(STOP_AFTER_STEP < stepsPerEpoch, "the stop falls inside the first epoch of " + stepsPerEpoch);

        Path run = dir.resolve("stopped");
        StopSignal stop = StopSignal.manual();
        CheckpointListener.Writer stopAfterStep = (file, model, metadata) -> {
            Checkpoint.save(file, model, metadata);
            if (metadata.step() == STOP_AFTER_STEP) {
                stop.request("INT");
            }
        };
        Trainer.StoppedException e = assertThrows(Trainer.StoppedException.class,
                () -> train(recipe, run, null, stopAfterStep, stop));
        assertTrue(e.getMessage().contains("stopped at step " + STOP_AFTER_STEP + " (epoch 1)"), e.getMessage());
        var partial = Checkpoint.read(run.resolve(Trainer.CHECKPOINT)).metadata().partial();
        assertEquals(STOP_AFTER_STEP, partial.steps());
        assertEquals(1, partial.skippedFiles(), "a text file comes before the stop in this seed's order");

        Trainer.Result resumed = train(recipe, run, run.resolve(Trainer.CHECKPOINT), Checkpoint::save,
                StopSignal.manual());
        var a = SafeTensors.read(straight.checkpoint()).tensors();
        var b = SafeTensors.read(resumed.checkpoint()).tensors();
        assertEquals(a.keySet(), b.keySet());
        for (String key : a.keySet()) {
            assertEquals(a.get(key), b.get(key), key + " differs bit for bit after the resume");
        }
        List<EpochRecord> actual = new MetricsLog(run.resolve(Trainer.METRICS)).read();
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            EpochRecord x = expected.get(i);
            EpochRecord y = actual.get(i);
            assertEquals(List.of(x.step(), x.trainLoss(), x.trainError(), x.testLoss(), x.testError(), x.skipped(),
                            x.skippedFiles()),
                    List.of(y.step(), y.trainLoss(), y.trainError(), y.testLoss(), y.testError(), y.skipped(),
                            y.skippedFiles()),
                    "epoch " + (i + 1));
        }
    }
}
