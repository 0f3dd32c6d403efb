package io.tornadoresnet.distributed;

import io.tornadoresnet.backend.jvm.JvmBackend;
import io.tornadoresnet.data.Dataset;
import io.tornadoresnet.data.Splits;
import io.tornadoresnet.data.SyntheticData;
import io.tornadoresnet.io.Checkpoint;
import io.tornadoresnet.io.SafeTensors;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.train.Recipe;
import io.tornadoresnet.train.StopSignal;
import io.tornadoresnet.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataParallelTest {
    private static final Shape IMAGE = Shape.of(1, 8, 8);
    private static final Dataset ALL = SyntheticData.generate(IMAGE, 10, 480, 0.25f, 3);
    private static final Dataset TRAIN = Splits.limit(ALL, 288);
    private static final Dataset TEST = Splits.subset(ALL, IntStream.range(288, 480).toArray());

    /** 6 steps an epoch of a global batch of 48 (24 a worker for two, 16 for three). */
    private static Recipe recipe(int epochs) {
        return Recipe.defaults("synthetic").with(Map.of("model", "resnet8", "epochs", Integer.toString(epochs),
                "batch", "48", "lr", "0.05", "schedule", "step", "milestones", "3e", "eval_batch", "50",
                "seed", "5", "augment_pad", "1", "augment_flip", "true"));
    }

    private static Trainer.Result single(Recipe recipe, Path out, Path resume) throws IOException {
        return single(recipe, out, resume, 2);
    }

    private static Trainer.Result single(Recipe recipe, Path out, Path resume, int threads) throws IOException {
        try (Backend backend = new JvmBackend(threads)) {
            return new Trainer(recipe, ResNets.create("resnet8", IMAGE, 10), backend, TRAIN, TEST, out,
                    new PrintStream(new ByteArrayOutputStream(), true), false).run(resume);
        }
    }

    private static Trainer.Result workers(int n, Recipe recipe, Path out, Path resume, List<ResNet> replicas,
                                          StopSignal stop) throws IOException {
        return LocalWorkers.train(n, recipe, () -> {
            ResNet model = ResNets.create("resnet8", IMAGE, 10);
            replicas.add(model);
            return model;
        }, rank -> new JvmBackend(1), TRAIN, TEST, out, resume, new PrintStream(new ByteArrayOutputStream(), true),
                false, stop);
    }

    private static Map<String, SafeTensors.Entry> tensors(Path checkpoint) throws IOException {
        return Checkpoint.read(checkpoint).contents().tensors();
    }

    /**
     * N workers of one thread each against one worker with N ghost batches: bit for bit when that
     * worker also runs one thread (the same sub-batches, the same sums in the same order), and within
     * fp32 summation-order tolerance when its convolutions spread over two threads.
     */
    @Test
    void twoAndThreeWorkersAgreeWithOneWorkerOnGhostBatches(@TempDir Path dir) throws IOException {
        for (int n : new int[] {2, 3}) {
            List<ResNet> replicas = new CopyOnWriteArrayList<>();
            Trainer.Result parallel = workers(n, recipe(1), dir.resolve("workers" + n), null, replicas,
                    StopSignal.manual());
            assertEquals(n, parallel.parallel().workers());
            assertEquals(48, parallel.parallel().globalBatch());
            assertTrue(parallel.parallel().replicasIdentical());
            assertEquals(6, parallel.steps());
            var actual = tensors(parallel.checkpoint());

            Recipe ghostRecipe = recipe(1).with("ghost_batch", Integer.toString(n));
            Trainer.Result sameThreads = single(ghostRecipe, dir.resolve("ghost1-" + n), null, 1);
            assertEquals(tensors(sameThreads.checkpoint()), actual, n + " workers, bit for bit");
            assertEquals(sameThreads.trainLoss(), parallel.trainLoss());

            Trainer.Result twoThreads = single(ghostRecipe, dir.resolve("ghost2-" + n), null, 2);
            var expected = tensors(twoThreads.checkpoint());
            assertEquals(expected.keySet(), actual.keySet());
            for (String key : expected.keySet()) {
                if (expected.get(key).dtype() != SafeTensors.DType.F32) {
                    continue;
                }
                float[] e = expected.get(key).floats();
                float[] a = actual.get(key).floats();
                for (int i = 0; i < e.length; i++) {
                    assertEquals(e[i], a[i], 2e-4 + 2e-4 * Math.abs(e[i]), n + " workers: " + key + "[" + i + "]");
                }
            }
            assertEquals(twoThreads.trainLoss(), parallel.trainLoss(), 1e-4);
            assertEquals(twoThreads.testLoss(), parallel.testLoss(), 1e-3);

            assertEquals(n, replicas.size());
            for (ResNet replica : replicas.subList(1, n)) {
                var first = replicas.get(0).stateDict();
                replica.stateDict().forEach((key, t) -> assertArrayEquals(first.get(key).data(), t.data(),
                        "every replica holds the same bits at the end: " + key));
                for (int p = 0; p < replica.parameters().size(); p++) {
                    assertArrayEquals(replicas.get(0).parameters().get(p).velocity().data(),
                            replica.parameters().get(p).velocity().data());
                }
            }
        }
    }

    @Test
    void aRunOfTwoWorkersResumesExactlyFromAnEpochEndAndFromAStop(@TempDir Path dir) throws IOException {
        Recipe recipe = recipe(2).with("checkpoint_every", "4");
        Trainer.Result straight = workers(2, recipe, dir.resolve("straight"), null, new CopyOnWriteArrayList<>(),
                StopSignal.manual());

        Trainer.Result first = workers(2, recipe(1).with("checkpoint_every", "4"), dir.resolve("epoch"), null,
                new CopyOnWriteArrayList<>(), StopSignal.manual());
        Trainer.Result resumed = workers(2, recipe, dir.resolve("epoch"), first.checkpoint(),
                new CopyOnWriteArrayList<>(), StopSignal.manual());
        assertEquals(tensors(straight.checkpoint()), tensors(resumed.checkpoint()));

        StopSignal stop = StopSignal.manual();
        stop.request("INT");
        Path stopped = dir.resolve("stopped");
        Trainer.StoppedException e = assertThrows(Trainer.StoppedException.class,
                () -> workers(2, recipe, stopped, null, new CopyOnWriteArrayList<>(), stop));
        assertTrue(e.getMessage().startsWith("stopped at step 1 (epoch 1)"), e.getMessage());
        Trainer.Result afterStop = workers(2, recipe, stopped, stopped.resolve(Trainer.CHECKPOINT),
                new CopyOnWriteArrayList<>(), StopSignal.manual());
        assertEquals(tensors(straight.checkpoint()), tensors(afterStop.checkpoint()));
        assertEquals(Files.readAllLines(dir.resolve("straight").resolve(Trainer.METRICS)).size(),
                Files.readAllLines(stopped.resolve(Trainer.METRICS)).size());
    }

    @Test
    void oneWorkerWithMicroBatchesResumesExactly(@TempDir Path dir) throws IOException {
        for (String key : List.of("accumulate", "ghost_batch")) {
            Recipe recipe = recipe(2).with(key, "3");
            Trainer.Result straight = single(recipe, dir.resolve(key + "-straight"), null);
            Trainer.Result first = single(recipe(1).with(key, "3"), dir.resolve(key), null);
            Trainer.Result resumed = single(recipe, dir.resolve(key), first.checkpoint());
            assertEquals(tensors(straight.checkpoint()), tensors(resumed.checkpoint()), key);
            assertEquals(3, resumed.parallel().microBatches());
        }
    }

    @Test
    void accumulationAndGhostBatchesShareTheGradientsButNotTheRunningStatistics(@TempDir Path dir)
            throws IOException {
        var accumulated = tensors(single(recipe(1).with("accumulate", "2"), dir.resolve("a"), null).checkpoint());
        var ghost = tensors(single(recipe(1).with("ghost_batch", "2"), dir.resolve("g"), null).checkpoint());
        var whole = tensors(single(recipe(1), dir.resolve("w"), null).checkpoint());
        for (String key : List.of("conv1.weight", "fc.bias", "layer1.0.bn1.weight")) {
            assertArrayEquals(ghost.get(key).floats(), accumulated.get(key).floats(), 1e-5f,
                    "batch norm's running statistics do not enter the gradients: " + key);
            assertFalse(java.util.Arrays.equals(whole.get(key).floats(), accumulated.get(key).floats()),
                    "micro-batches normalise by their own statistics: " + key);
        }
        assertFalse(java.util.Arrays.equals(ghost.get("bn1.running_mean").floats(),
                accumulated.get("bn1.running_mean").floats()), "accumulation updates the running mean per micro-batch");
    }

    @Test
    void replicasThatDriftApartAreReported(@TempDir Path dir) throws IOException {
        Trainer.Result r = LocalWorkers.train(2, recipe(1), () -> ResNets.create("resnet8", IMAGE, 10),
                rank -> rank == 1 ? new NudgingBackend(new JvmBackend(1)) : new JvmBackend(1), TRAIN, TEST, dir, null,
                new PrintStream(new ByteArrayOutputStream(), true), false, StopSignal.manual());
        assertNotNull(r.parallel());
        assertFalse(r.parallel().replicasIdentical());
    }

    @Test
    void aWorkerThatFailsStopsTheOthersWithItsOwnError(@TempDir Path dir) {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> LocalWorkers.train(3, recipe(1),
                () -> ResNets.create("resnet8", IMAGE, 10),
                rank -> rank == 2 ? new FailingBackend(new JvmBackend(1)) : new JvmBackend(1), TRAIN, TEST, dir, null,
                new PrintStream(new ByteArrayOutputStream(), true), false, StopSignal.manual()));
        assertEquals("device lost", e.getMessage());
    }

    @Test
    void aGlobalBatchThatDoesNotSplitIsRefused(@TempDir Path dir) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> workers(5, recipe(1),
                dir, null, new CopyOnWriteArrayList<>(), StopSignal.manual()));
        assertEquals("batch 48 does not split into 5 workers x 1 micro-batches: make it a multiple of 5",
                e.getMessage());
    }

    /** A backend whose update changes one weight a little more: a replica that stops being one. */
    private static final class NudgingBackend extends ForwardingBackend {
        NudgingBackend(Backend inner) {
            super(inner, plan -> plan.modelState().get(0).data()[0] += 1e-3f);
        }
    }

    /** A backend whose third update fails. */
    private static final class FailingBackend extends ForwardingBackend {
        private int updates;

        FailingBackend(Backend inner) {
            super(inner, null);
        }

        @Override
        void afterUpdate(Plan plan) {
            if (++updates == 3) {
                throw new IllegalStateException("device lost");
            }
        }
    }

    private static class ForwardingBackend implements Backend {
        private final Backend inner;
        private final java.util.function.Consumer<Plan> afterUpdate;

        ForwardingBackend(Backend inner, java.util.function.Consumer<Plan> afterUpdate) {
            this.inner = inner;
            this.afterUpdate = afterUpdate;
        }

        void afterUpdate(Plan plan) {
            afterUpdate.accept(plan);
        }

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public String device() {
            return inner.device();
        }

        @Override
        public Executable compile(Plan plan) {
            Executable e = inner.compile(plan);
            return new Executable() {
                @Override
                public Plan plan() {
                    return e.plan();
                }

                @Override
                public void run() {
                    e.run();
                }

                @Override
                public void computeGradients() {
                    e.computeGradients();
                }

                @Override
                public void applyGradients() {
                    e.applyGradients();
                    afterUpdate(plan);
                }

                @Override
                public void pullModelState() {
                    e.pullModelState();
                }

                @Override
                public void pushModelState() {
                    e.pushModelState();
                }

                @Override
                public void close() {
                    e.close();
                }
            };
        }

        @Override
        public void close() {
            inner.close();
        }
    }
}
