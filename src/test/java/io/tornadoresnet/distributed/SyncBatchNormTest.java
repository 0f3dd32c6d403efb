package io.tornadoresnet.distributed;

import io.tornadoresnet.backend.jvm.JvmBackend;
import io.tornadoresnet.data.Dataset;
import io.tornadoresnet.data.Splits;
import io.tornadoresnet.data.SyntheticData;
import io.tornadoresnet.io.Checkpoint;
import io.tornadoresnet.io.SafeTensors;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.nn.Sgd;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.KernelReferenceBackend;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.plan.Replicas;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.train.Recipe;
import io.tornadoresnet.train.StopSignal;
import io.tornadoresnet.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Synchronised batch norm (sync_bn): N workers train as one worker on the whole global batch does,
 * with no ghost batches, on the JVM backend and on the plain kernels.
 */
class SyncBatchNormTest {
    private static final Shape IMAGE = Shape.of(1, 8, 8);
    private static final Dataset ALL = SyntheticData.generate(IMAGE, 10, 336, 0.25f, 3);
    private static final Dataset TRAIN = Splits.limit(ALL, 288);
    private static final Dataset TEST = Splits.subset(ALL, IntStream.range(288, 336).toArray());
    /** Batch norms of resnet8: the stem's and two in each of its three blocks. */
    private static final int BATCH_NORMS = 7;

    /** 6 steps of a global batch of 48 (24 a worker for two, 16 for three). */
    private static Recipe recipe(boolean syncBn) {
        return Recipe.defaults("synthetic").with(Map.of("model", "resnet8", "epochs", "1", "batch", "48",
                "lr", "0.05", "schedule", "step", "milestones", "3e", "eval_batch", "48", "seed", "5",
                "augment_pad", "1", "augment_flip", "true")).with("sync_bn", Boolean.toString(syncBn));
    }

    private static Trainer.Result single(Recipe recipe, Backend backend, Path out) throws IOException {
        try (backend) {
            return new Trainer(recipe, ResNets.create("resnet8", IMAGE, 10), backend, TRAIN, TEST, out,
                    new PrintStream(new ByteArrayOutputStream(), true), false).run(null);
        }
    }

    private static Trainer.Result workers(int n, Recipe recipe, IntFunction<Backend> backends, Path out,
                                          List<ResNet> replicas) throws IOException {
        return LocalWorkers.train(n, recipe, () -> {
            ResNet model = ResNets.create("resnet8", IMAGE, 10);
            replicas.add(model);
            return model;
        }, backends, TRAIN, TEST, out, null, new PrintStream(new ByteArrayOutputStream(), true), false,
                StopSignal.manual());
    }

    private static Map<String, SafeTensors.Entry> tensors(Trainer.Result result) throws IOException {
        return Checkpoint.read(result.checkpoint()).contents().tensors();
    }

    /** The largest difference of a float tensor, relative to 1e-3 + |expected|. */
    private static double worst(Map<String, SafeTensors.Entry> expected, Map<String, SafeTensors.Entry> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        double worst = 0;
        for (String key : expected.keySet()) {
            if (expected.get(key).dtype() != SafeTensors.DType.F32) {
                continue;
            }
            float[] e = expected.get(key).floats();
            float[] a = actual.get(key).floats();
            for (int i = 0; i < e.length; i++) {
                worst = Math.max(worst, Math.abs(e[i] - a[i]) / (1e-3 + Math.abs(e[i])));
            }
        }
        return worst;
    }

    private static void assertReplicasIdentical(List<ResNet> replicas) {
        for (ResNet replica : replicas.subList(1, replicas.size())) {
            var first = replicas.get(0).stateDict();
            replica.stateDict().forEach((key, t) -> assertArrayEquals(first.get(key).data(), t.data(),
                    "every replica holds the same bits: " + key));
        }
    }

    /**
     * Two and three workers with synchronised batch norm end where one worker on the whole global
     * batch ends: weights, momentum and running statistics within fp32 summation-order tolerance,
     * while without sync_bn they end measurably elsewhere (each worker's statistics are its own).
     */
    @Test
    void workersWithSyncBnTrainAsOneWorkerOnTheWholeBatch(@TempDir Path dir) throws IOException {
        var whole = tensors(single(recipe(false), new JvmBackend(2), dir.resolve("one")));
        for (int n : new int[] {2, 3}) {
            List<ResNet> replicas = new CopyOnWriteArrayList<>();
            Trainer.Result synced = workers(n, recipe(true), rank -> new JvmBackend(1), dir.resolve("sync" + n),
                    replicas);
            assertEquals(6, synced.steps());
            assertTrue(synced.parallel().replicasIdentical());
            assertEquals(1 + 2 * BATCH_NORMS, synced.parallel().allReduceCallsPerStep());
            assertEquals(n, replicas.size());
            assertReplicasIdentical(replicas);
            double syncedError = worst(whole, tensors(synced));
            assertTrue(syncedError < 2e-4, n + " workers with sync_bn: relative error " + syncedError);

            Trainer.Result own = workers(n, recipe(false), rank -> new JvmBackend(1), dir.resolve("own" + n),
                    new CopyOnWriteArrayList<>());
            assertEquals(1, own.parallel().allReduceCallsPerStep());
            double ownError = worst(whole, tensors(own));
            assertTrue(ownError > 100 * syncedError, n + " workers without sync_bn differ from one: " + ownError
                    + " against " + syncedError);
        }
    }

    /** The same on the plain kernels, the definition that every backend is held to. */
    @Test
    void onThePlainKernelsTooWithTheRunningStatisticsOfTheGlobalBatch(@TempDir Path dir) throws IOException {
        Trainer.Result one = single(recipe(false), new KernelReferenceBackend(), dir.resolve("one"));
        List<ResNet> replicas = new CopyOnWriteArrayList<>();
        Trainer.Result synced = workers(2, recipe(true), rank -> new KernelReferenceBackend(), dir.resolve("sync"),
                replicas);
        assertReplicasIdentical(replicas);
        var expected = tensors(one);
        var actual = tensors(synced);
        double error = worst(expected, actual);
        assertTrue(error < 2e-4, "2 workers on the plain kernels: relative error " + error);
        float[] runningVar = actual.get("layer1.0.bn2.running_var").floats();
        assertFalse(java.util.Arrays.equals(runningVar, new float[runningVar.length]));
    }

    /** One worker has nothing to synchronise with: sync_bn leaves its training as it was, bit for bit. */
    @Test
    void oneWorkerWithSyncBnTrainsAsWithout(@TempDir Path dir) throws IOException {
        var plain = tensors(single(recipe(false), new JvmBackend(2), dir.resolve("plain")));
        assertEquals(plain, tensors(single(recipe(true), new JvmBackend(2), dir.resolve("single"))));
        assertEquals(plain, tensors(workers(1, recipe(true), rank -> new JvmBackend(2), dir.resolve("local"),
                new CopyOnWriteArrayList<>())));
    }

    /**
     * A training plan with synchronised batch norm averages twice per batch norm (its sums, then its
     * gradient sums), and a plan without it never; inference plans have no batch statistics to share.
     */
    @Test
    void aSynchronisedPlanHasTwoSeamsPerBatchNorm() {
        ResNet model = ResNets.create("resnet8", IMAGE, 10);
        Replicas two = new Replicas() {
            @Override
            public int count() {
                return 2;
            }

            @Override
            public void averageInPlace(float[] values) {
            }
        };
        assertEquals(2 * BATCH_NORMS, seams(model.compileTraining(8, Sgd.PAPER, two)));
        assertEquals(0, seams(model.compileTraining(8, Sgd.PAPER)));
        assertEquals(0, seams(model.compileInference(8)));
    }

    private static long seams(Plan plan) {
        return plan.stages().stream().flatMap(s -> s.ops().stream()).filter(op -> op instanceof Op.ReplicaMean).count();
    }

    /**
     * A worker whose step fails releases the other, which waits for it inside its own step at the
     * first batch norm's average, and the run ends with the failing worker's error.
     */
    @Test
    void aWorkerThatFailsReleasesTheOtherWaitingAtABatchNorm(@TempDir Path dir) {
        IntFunction<Backend> backends = rank -> rank == 1 ? new FailingBackend() : new JvmBackend(1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> workers(2, recipe(true), backends,
                dir.resolve("x"), new CopyOnWriteArrayList<>()));
        assertEquals("device lost", e.getMessage());
    }

    /** A backend whose steps fail before their first batch norm. */
    private static final class FailingBackend implements Backend {
        private final JvmBackend inner = new JvmBackend(1);

        @Override
        public String name() {
            return "failing";
        }

        @Override
        public String device() {
            return "nowhere";
        }

        @Override
        public Executable compile(Plan plan) {
            Executable e = inner.compile(plan);
            return new Executable() {
                @Override
                public Plan plan() {
                    return plan;
                }

                @Override
                public void run() {
                    e.run();
                }

                @Override
                public void computeGradients() {
                    throw new IllegalStateException("device lost");
                }

                @Override
                public void applyGradients() {
                    e.applyGradients();
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
