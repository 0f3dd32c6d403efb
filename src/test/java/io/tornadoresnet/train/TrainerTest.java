package io.tornadoresnet.train;

import io.tornadoresnet.backend.jvm.JvmBackend;
import io.tornadoresnet.data.Batch;
import io.tornadoresnet.data.BatchLoader;
import io.tornadoresnet.data.Dataset;
import io.tornadoresnet.data.Normalization;
import io.tornadoresnet.data.Splits;
import io.tornadoresnet.data.SyntheticData;
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
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {
    private static final Shape IMAGE = Shape.of(1, 8, 8);
    private static final Dataset ALL = SyntheticData.generate(IMAGE, 10, 960, 0.25f, 3);
    private static final Dataset TRAIN = Splits.limit(ALL, 640);
    private static final Dataset TEST = Splits.subset(ALL, java.util.stream.IntStream.range(640, 960).toArray());

    private static Recipe recipe(int epochs) {
        return Recipe.defaults("synthetic").with(Map.of("model", "resnet8", "epochs", Integer.toString(epochs),
                "batch", "32", "lr", "0.05", "schedule", "step", "milestones", "3e", "eval_batch", "100",
                "seed", "5"));
    }

    private static Trainer.Result train(Recipe recipe, Path out, Path resume) throws IOException {
        ResNet model = ResNets.create("resnet8", IMAGE, 10);
        try (Backend backend = new JvmBackend(2)) {
            return new Trainer(recipe, model, backend, TRAIN, TEST, out, new PrintStream(new ByteArrayOutputStream()),
                    false).run(resume);
        }
    }

    @Test
    void resnet8LearnsASyntheticTaskAndLeavesItsRunFolder(@TempDir Path dir) throws IOException {
        Trainer.Result r = train(recipe(4), dir, null);
        List<EpochRecord> rows = new MetricsLog(dir.resolve(Trainer.METRICS)).read();
        assertEquals(4, rows.size());
        assertTrue(rows.get(3).trainLoss() < rows.get(0).trainLoss() / 2, "loss went from " + rows.get(0).trainLoss()
                + " to " + rows.get(3).trainLoss());
        assertTrue(rows.get(3).trainError() < 0.10, "training accuracy " + (1 - rows.get(3).trainError()));
        assertTrue(r.testAccuracy() > 0.9, "test accuracy " + r.testAccuracy());
        assertTrue(Files.size(dir.resolve(Trainer.CURVES)) > 1000);
        assertTrue(Files.readString(dir.resolve(Trainer.RECIPE)).contains("model=resnet8"));
        Map<String, String> meta = SafeTensors.read(r.checkpoint()).metadata();
        assertEquals("4", meta.get("epoch"));
        assertEquals(Long.toString(4 * 20), meta.get("step"));
        assertEquals("resnet8", meta.get("model"));
    }

    @Test
    void aResumedRunEndsWithTheWeightsOfAnUninterruptedOne(@TempDir Path dir) throws IOException {
        Trainer.Result straight = train(recipe(2), dir.resolve("straight"), null);
        Trainer.Result first = train(recipe(1), dir.resolve("resumed"), null);
        Trainer.Result resumed = train(recipe(2), dir.resolve("resumed"), first.checkpoint());
        var a = SafeTensors.read(straight.checkpoint()).tensors();
        var b = SafeTensors.read(resumed.checkpoint()).tensors();
        assertEquals(a.keySet(), b.keySet());
        for (String key : a.keySet()) {
            assertEquals(a.get(key), b.get(key), key);
        }
        assertEquals(2, new MetricsLog(dir.resolve("resumed").resolve(Trainer.METRICS)).read().size());
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
    }

    @Test
    void mismatchedDataIsRejectedBeforeTraining(@TempDir Path dir) {
        ResNet rgb = ResNets.create("resnet8", Shape.of(3, 8, 8), 10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Trainer(recipe(1), rgb,
                new JvmBackend(1), TRAIN, TEST, dir, System.err, false));
        assertTrue(e.getMessage().contains("3x8x8"), e.getMessage());
    }
}
