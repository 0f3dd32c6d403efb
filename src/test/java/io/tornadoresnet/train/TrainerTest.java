package io.tornadoresnet.train;

import io.tornadoresnet.backend.jvm.JvmBackend;
import io.tornadoresnet.data.Batch;
import io.tornadoresnet.data.BatchLoader;
import io.tornadoresnet.data.DataLoader;
import io.tornadoresnet.data.Dataset;
import io.tornadoresnet.data.ForwardingLoader;
import io.tornadoresnet.data.Normalization;
import io.tornadoresnet.data.Splits;
import io.tornadoresnet.data.SyntheticData;
import io.tornadoresnet.io.Checkpoint;
import io.tornadoresnet.io.CheckpointMetadata;
import io.tornadoresnet.io.SafeTensors;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.nn.Sgd;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {
    private static final Shape IMAGE = Shape.of(1, 8, 8);
    private static final Dataset ALL = SyntheticData.generate(IMAGE, 10, 960, 0.25f, 3);
    private static final Dataset TRAIN = Splits.limit(ALL, 640);
    private static final Dataset TEST = Splits.subset(ALL, IntStream.range(640, 960).toArray());

    private static Recipe recipe(int epochs) {
        return Recipe.defaults("synthetic").with(Map.of("model", "resnet8", "epochs", Integer.toString(epochs),
                "batch", "32", "lr", "0.05", "schedule", "step", "milestones", "3e", "eval_batch", "100",
                "seed", "5"));
    }

    private static Trainer.Result train(Recipe recipe, Path out, Path resume) throws IOException {
        return train(recipe, TRAIN, out, resume, Checkpoint::save, StopSignal.manual(), new ByteArrayOutputStream());
    }

    private static Trainer.Result train(Recipe recipe, Dataset data, Path out, Path resume,
                                        CheckpointListener.Writer writer, StopSignal stop, ByteArrayOutputStream log)
            throws IOException {
        ResNet model = ResNets.create("resnet8", IMAGE, 10);
        try (Backend backend = new JvmBackend(2)) {
            return new Trainer(recipe, model, backend, data, TEST, out, new PrintStream(log, true), false)
                    .withCheckpointWriter(writer).run(resume, stop);
        }
    }

    private static void assertSameTensors(Path expected, Path actual) throws IOException {
        var a = SafeTensors.read(expected).tensors();
        var b = SafeTensors.read(actual).tensors();
        assertEquals(a.keySet(), b.keySet());
        for (String key : a.keySet()) {
            assertEquals(a.get(key), b.get(key), key);
        }
    }

    /** metrics.csv without its timing columns. */
    private static List<String> measuredColumns(Path run) throws IOException {
        return new MetricsLog(run.resolve(Trainer.METRICS)).read().stream().map(r -> r.epoch() + "," + r.step() + ","
                + r.learningRate() + "," + r.trainLoss() + "," + r.trainError() + "," + r.testLoss() + ","
                + r.testError() + "," + r.skipped()).toList();
    }

    @Test
    void resnet8LearnsASyntheticTaskAndLeavesItsRunFolder(@TempDir Path dir) throws IOException {
        Trainer.Result r = train(recipe(4), dir, null);
        List<EpochRecord> rows = new MetricsLog(dir.resolve(Trainer.METRICS)).read();
        assertEquals(4, rows.size());
        assertTrue(rows.get(3).trainLoss() < rows.get(0).trainLoss() / 2, "loss went from " + rows.get(0).trainLoss()
                + " to " + rows.get(3).trainLoss());
        assertTrue(rows.get(3).trainError() < 0.10, "training accuracy " + (1 - rows.get(3).trainError()));
        for (EpochRecord row : rows) {
            assertTrue(row.dataWaitSeconds() >= 0 && row.dataWaitSeconds() <= row.seconds(),
                    "the wait for data is part of the epoch's time: " + row);
        }
        assertTrue(r.testAccuracy() > 0.9, "test accuracy " + r.testAccuracy());
        assertTrue(Files.size(dir.resolve(Trainer.CURVES)) > 1000);
        assertTrue(Files.readString(dir.resolve(Trainer.RECIPE)).contains("model=resnet8"));
        Map<String, String> meta = SafeTensors.read(r.checkpoint()).metadata();
        assertEquals("4", meta.get("epoch"));
        assertEquals(Long.toString(4 * 20), meta.get("step"));
        assertEquals("resnet8", meta.get("model"));
    }

    /** A data set that forwards to another; the tests' variants override what they change. */
    private abstract static class Forwarding implements Dataset {
        final Dataset data;

        Forwarding(Dataset data) {
            this.data = data;
        }

        @Override
        public int size() {
            return data.size();
        }

        @Override
        public Shape imageShape() {
            return data.imageShape();
        }

        @Override
        public List<String> classNames() {
            return data.classNames();
        }

        @Override
        public int label(int i) {
            return data.label(i);
        }

        @Override
        public void image(int i, float[] dst, int offset) {
            data.image(i, dst, offset);
        }
    }

    /** A data set whose loaders write down each epoch they start, as "NAME EPOCH". */
    private static final class Recorded extends Forwarding {
        private final String name;
        private final List<String> events;

        Recorded(Dataset data, String name, List<String> events) {
            super(data);
            this.name = name;
            this.events = events;
        }

        @Override
        public DataLoader loader(int batchSize, BatchLoader.Options options) {
            return new ForwardingLoader(data.loader(batchSize, options)) {
                @Override
                public void startEpoch(int epoch, int firstBatch) {
                    events.add(name + " " + epoch);
                    loader.startEpoch(epoch, firstBatch);
                }
            };
        }
    }

    @Test
    void theLoaderStartsTheNextEpochBeforeTheTest(@TempDir Path dir) throws IOException {
        List<String> events = new ArrayList<>();
        ResNet model = ResNets.create("resnet8", IMAGE, 10);
        try (Backend backend = new JvmBackend(2)) {
            new Trainer(recipe(3), model, backend, new Recorded(TRAIN, "train", events),
                    new Recorded(TEST, "test", events), dir, new PrintStream(new ByteArrayOutputStream(), true), false)
                    .run(null);
        }
        assertEquals(List.of("train 0", "train 1", "test 0", "train 2", "test 0", "test 0"), events,
                "the next epoch's first batches are prepared while the model is tested");
    }

    @Test
    void aResumedRunEndsWithTheWeightsOfAnUninterruptedOne(@TempDir Path dir) throws IOException {
        Trainer.Result straight = train(recipe(2), dir.resolve("straight"), null);
        Trainer.Result first = train(recipe(1), dir.resolve("resumed"), null);
        Trainer.Result resumed = train(recipe(2), dir.resolve("resumed"), first.checkpoint());
        assertSameTensors(straight.checkpoint(), resumed.checkpoint());
        assertEquals(2, new MetricsLog(dir.resolve("resumed").resolve(Trainer.METRICS)).read().size());
    }

    @Test
    void aRunStoppedMidEpochWritesThatStepAndResumesExactly(@TempDir Path dir) throws IOException {
        Recipe recipe = recipe(2).with("checkpoint_every", "7");
        Trainer.Result straight = train(recipe, dir.resolve("straight"), null);
        StopSignal stop = StopSignal.manual();
        List<Long> written = new ArrayList<>();
        CheckpointListener.Writer stopAfterStep14 = (file, model, metadata) -> {
            Checkpoint.save(file, model, metadata);
            written.add(metadata.step());
            if (metadata.step() == 14) {
                stop.request("INT");
            }
        };
        Path run = dir.resolve("stopped");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Trainer.StoppedException e = assertThrows(Trainer.StoppedException.class,
                () -> train(recipe, TRAIN, run, null, stopAfterStep14, stop, log));
        assertEquals(130, e.exitStatus());
        assertTrue(e.getMessage().contains("stopped at step 14 (epoch 1)"), e.getMessage());
        assertEquals(List.of(7L, 14L, 14L), written, "every 7 steps, then the stop after the step in flight");
        CheckpointMetadata meta = Checkpoint.read(run.resolve(Trainer.CHECKPOINT)).metadata();
        assertEquals(0, meta.epoch());
        assertEquals(14, meta.step());
        assertEquals(14, meta.partial().steps());

        Trainer.Result resumed = train(recipe, run, run.resolve(Trainer.CHECKPOINT));
        assertSameTensors(straight.checkpoint(), resumed.checkpoint());
        assertEquals(measuredColumns(dir.resolve("straight")), measuredColumns(run));
    }

    @Test
    void aLossThatStopsBeingFiniteKeepsTheLastGoodCheckpoint(@TempDir Path dir) throws IOException {
        Trainer.Result first = train(recipe(1), dir, null);
        byte[] good = Files.readAllBytes(first.checkpoint());
        Trainer.DivergedException e = assertThrows(Trainer.DivergedException.class,
                () -> train(recipe(2).with(Map.of("lr", "1e30", "weight_decay", "1")), dir, first.checkpoint()));
        assertTrue(e.getMessage().matches("loss became (NaN|-?Infinity) at step 2[1-9] \\(epoch 2, .*"), e.getMessage());
        assertTrue(e.getMessage().contains("the last good checkpoint is " + first.checkpoint() + " (end of epoch 1, step 20)"),
                e.getMessage());
        assertArrayEquals(good, Files.readAllBytes(first.checkpoint()), "the good checkpoint was not overwritten");
    }

    @Test
    void weightsThatStopBeingFiniteAreNeverWrittenOverTheLastGoodCheckpoint(@TempDir Path dir) throws IOException {
        Trainer.Result first = train(recipe(1), dir, null);
        byte[] good = Files.readAllBytes(first.checkpoint());
        Recipe infinite = recipe(2).with(Map.of("lr", Double.toString(Float.MAX_VALUE), "weight_decay", "1",
                "checkpoint_every", "1"));
        Trainer.DivergedException e = assertThrows(Trainer.DivergedException.class,
                () -> train(infinite, dir, first.checkpoint()));
        assertEquals("the weights stopped being finite by epoch 2, step 21: lower the learning rate or add warm-up; "
                + "the last good checkpoint is " + first.checkpoint() + " (end of epoch 1, step 20)", e.getMessage());
        assertArrayEquals(good, Files.readAllBytes(first.checkpoint()));
    }

    @Test
    void skipNonFiniteLeavesOutTheBatchesWithNaNPixels(@TempDir Path dir) throws IOException {
        Dataset poisoned = withNaNImages(TRAIN, 17, 301);
        Recipe unnormalised = recipe(2).with("normalization", "none");
        Trainer.DivergedException stopped = assertThrows(Trainer.DivergedException.class,
                () -> train(unnormalised, poisoned, dir.resolve("strict"), null, Checkpoint::save, StopSignal.manual(),
                        new ByteArrayOutputStream()));
        assertTrue(stopped.getMessage().contains("--skip-nonfinite"), stopped.getMessage());

        Trainer.Result r = train(unnormalised.with("skip_nonfinite", "true"), poisoned, dir.resolve("skip"), null,
                Checkpoint::save, StopSignal.manual(), new ByteArrayOutputStream());
        List<EpochRecord> rows = new MetricsLog(dir.resolve("skip").resolve(Trainer.METRICS)).read();
        for (EpochRecord row : rows) {
            assertTrue(row.skipped() >= 1 && row.skipped() <= 2, "two poisoned images, in one or two batches: " + row);
            assertTrue(Double.isFinite(row.trainLoss()) && Double.isFinite(row.testLoss()), row.toString());
        }
        assertTrue(r.testAccuracy() > 0.5, "it still learns: " + r.testAccuracy());
        Checkpoint.read(r.checkpoint()).contents().tensors().forEach((name, t) -> {
            if (t.dtype() == SafeTensors.DType.F32) {
                for (float v : t.floats()) {
                    assertTrue(Float.isFinite(v), name);
                }
            }
        });
    }

    @Test
    void aSkippedStepLeavesTheModelStateAsItWas() {
        ResNet model = ResNets.create("resnet8", IMAGE, 10);
        model.initialize(1);
        Plan plan = model.compileTraining(32, Sgd.PAPER);
        try (Backend backend = new JvmBackend(1); Backend.Executable step = backend.compile(plan)) {
            float[][] before = plan.modelState().stream().map(t -> t.data().clone()).toArray(float[][]::new);
            StateSnapshot snapshot = new StateSnapshot(step);
            snapshot.take();
            Arrays.fill(plan.input().data(), Float.NaN);
            plan.learningRate().data()[0] = 0.1f;
            step.run();
            assertTrue(Float.isNaN(plan.loss()));
            assertTrue(Float.isNaN(plan.modelState().get(0).data()[0]), "the step did update the weights");
            snapshot.restore();
            for (int i = 0; i < before.length; i++) {
                assertArrayEquals(before[i], plan.modelState().get(i).data(), plan.modelState().get(i).name());
            }
        }
    }

    @Test
    void aFailedIntermediateWriteWarnsAndTrainingGoesOn(@TempDir Path dir) throws IOException {
        int[] calls = {0};
        CheckpointListener.Writer diskFullOnce = (file, model, metadata) -> {
            if (++calls[0] == 2) {
                throw new IOException("No space left on device");
            }
            Checkpoint.save(file, model, metadata);
        };
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Trainer.Result r = train(recipe(2).with("checkpoint_every", "15"), TRAIN, dir, null, diskFullOnce,
                StopSignal.manual(), log);
        String text = log.toString();
        assertTrue(text.contains("warning: could not write checkpoint " + dir.resolve(Trainer.CHECKPOINT)
                + " at end of epoch 1, step 20 (No space left on device); the last good one is "
                + dir.resolve(Trainer.CHECKPOINT) + " (epoch 1, step 15); training goes on"), text);
        assertEquals(40, Checkpoint.read(r.checkpoint()).metadata().step());
    }

    @Test
    void aFailedFinalWriteIsAnErrorAndKeepsThePreviousCheckpoint(@TempDir Path dir) throws IOException {
        CheckpointListener.Writer failsAtTheEnd = (file, model, metadata) -> {
            if (metadata.epoch() == 2) {
                throw new IOException("Read-only file system");
            }
            Checkpoint.save(file, model, metadata);
        };
        IOException e = assertThrows(IOException.class, () -> train(recipe(2), TRAIN, dir, null, failsAtTheEnd,
                StopSignal.manual(), new ByteArrayOutputStream()));
        assertTrue(e.getMessage().contains("could not write checkpoint") && e.getMessage().contains(
                "the last good one is " + dir.resolve(Trainer.CHECKPOINT) + " (end of epoch 1, step 20)"), e.getMessage());
        assertEquals(1, Checkpoint.read(dir.resolve(Trainer.CHECKPOINT)).metadata().epoch());
    }

    @Test
    void theSameSeedAndThreadCountGiveIdenticalLosses() {
        assertArrayEquals(losses(2), losses(2));
    }

    /** Twenty steps of ResNet-8 from seed 0 on fixed batches. */
    private static float[] losses(int threads) {
        ResNet model = ResNets.create("resnet8", IMAGE, 10);
        model.initialize(0);
        Plan plan = model.compileTraining(32, Sgd.PAPER);
        float[] losses = new float[20];
        try (Backend backend = new JvmBackend(threads); Backend.Executable step = backend.compile(plan);
             BatchLoader loader = new BatchLoader(TRAIN, 32, BatchLoader.Options.training(0, Normalization.none(),
                     io.tornadoresnet.data.Augmentation.none()))) {
            loader.startEpoch(0);
            for (int i = 0; i < losses.length; i++) {
                Batch b = loader.next();
                System.arraycopy(b.images(), 0, plan.input().data(), 0, b.images().length);
                System.arraycopy(b.labels(), 0, plan.labels(), 0, 32);
                plan.learningRate().data()[0] = 0.1f;
                step.run();
                losses[i] = plan.loss();
            }
        }
        return losses;
    }

    @Test
    void aDivergingRunStopsWithAClearMessage(@TempDir Path dir) {
        Trainer.DivergedException e = assertThrows(Trainer.DivergedException.class,
                () -> train(recipe(2).with(Map.of("lr", "1e30", "weight_decay", "1")), dir, null));
        assertTrue(e.getMessage().contains("lower the learning rate"), e.getMessage());
        assertTrue(e.getMessage().endsWith("the last good checkpoint is none was written yet"), e.getMessage());
    }

    /** The data set with NaN in every pixel of the given images. */
    private static Dataset withNaNImages(Dataset data, int... poisoned) {
        Set<Integer> bad = Arrays.stream(poisoned).boxed().collect(Collectors.toSet());
        return new Forwarding(data) {
            @Override
            public void image(int i, float[] dst, int offset) {
                data.image(i, dst, offset);
                if (bad.contains(i)) {
                    Arrays.fill(dst, offset, offset + imageShape().size(), Float.NaN);
                }
            }
        };
    }

    @Test
    void mismatchedDataIsRejectedBeforeTraining(@TempDir Path dir) {
        ResNet rgb = ResNets.create("resnet8", Shape.of(3, 8, 8), 10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Trainer(recipe(1), rgb,
                new JvmBackend(1), TRAIN, TEST, dir, System.err, false));
        assertTrue(e.getMessage().contains("3x8x8"), e.getMessage());
    }
}
