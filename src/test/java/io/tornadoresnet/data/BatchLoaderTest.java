package io.tornadoresnet.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tornadoresnet.tensor.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BatchLoaderTest {
    private static final Shape SHAPE = Shape.of(3, 6, 6);
    private static final int SIZE = SHAPE.size();
    private static final InMemoryDataset DATA = TestData.dataset(103, SHAPE, 10, 11);
    private static final Normalization NORM = Normalization.pixelMean(DATA);

    private static BatchLoader.Options training(long seed) {
        return BatchLoader.Options.training(seed, NORM, Augmentation.of(2, Augmentation.Padding.ZERO, true));
    }

    /** The data set indices of one epoch, batch by batch. */
    private static List<Integer> order(BatchLoader loader, int epoch) {
        List<Integer> order = new ArrayList<>();
        loader.startEpoch(epoch);
        for (Batch b; (b = loader.next()) != null; ) {
            for (int r = 0; r < b.count(); r++) {
                order.add(b.indices()[r]);
            }
        }
        return order;
    }

    /** Every image, label and count of one epoch, copied. */
    private static List<float[]> snapshot(BatchLoader loader, int epoch) {
        List<float[]> out = new ArrayList<>();
        loader.startEpoch(epoch);
        for (Batch b; (b = loader.next()) != null; ) {
            out.add(b.images().clone());
            float[] meta = new float[b.labels().length + 1];
            for (int r = 0; r < b.labels().length; r++) {
                meta[r] = b.labels()[r];
            }
            meta[b.labels().length] = b.count();
            out.add(meta);
        }
        return out;
    }

    @Test
    void trainingEpochServesEveryFullBatchOnceAndDropsTheRest() {
        try (BatchLoader loader = new BatchLoader(DATA, 10, training(5))) {
            assertEquals(10, loader.batchesPerEpoch());
            List<Integer> order = order(loader, 0);
            assertEquals(100, order.size());
            assertEquals(100, order.stream().distinct().count(), "no image twice");
            assertNotEquals(order.stream().sorted().toList(), order, "shuffled");
            List<Integer> again = order(loader, 0);
            assertEquals(order, again, "same seed and epoch, same order");
            assertNotEquals(order, order(loader, 1), "another epoch, another order");
        }
        try (BatchLoader other = new BatchLoader(DATA, 10, training(5))) {
            List<Integer> resumed = order(other, 3);
            try (BatchLoader first = new BatchLoader(DATA, 10, training(5))) {
                order(first, 0);
                assertEquals(order(first, 3), resumed, "a resumed run sees the same epoch");
            }
        }
    }

    @Test
    void evaluationKeepsOrderAndTheLastPartialBatch() {
        try (BatchLoader loader = new BatchLoader(DATA, 25, BatchLoader.Options.evaluation(NORM))) {
            assertEquals(5, loader.batchesPerEpoch());
            loader.startEpoch(0);
            float[] expected = new float[SIZE];
            for (int k = 0; k < 5; k++) {
                Batch b = loader.next();
                assertEquals(k, b.index());
                assertEquals(k < 4 ? 25 : 3, b.count());
                for (int r = 0; r < 25; r++) {
                    int i = k * 25 + r;
                    if (r < b.count()) {
                        assertEquals(i, b.indices()[r]);
                        assertEquals(DATA.label(i), b.labels()[r]);
                        DATA.image(i, expected, 0);
                        NORM.apply(expected, 0, 1);
                        assertArrayEquals(expected, Arrays.copyOfRange(b.images(), r * SIZE, (r + 1) * SIZE));
                    } else {
                        assertEquals(-1, b.indices()[r]);
                        assertEquals(0, b.labels()[r]);
                        assertEquals(0f, b.images()[r * SIZE + 7]);
                    }
                }
            }
            assertNull(loader.next());
            assertNull(loader.next());
        }
    }

    @Test
    void anEpochStartedMidWayServesTheRestOfTheSameEpoch() {
        for (boolean background : new boolean[] {true, false}) {
            try (BatchLoader loader = new BatchLoader(DATA, 16, training(9).withBackground(background))) {
                List<float[]> whole = snapshot(loader, 3);
                loader.startEpoch(3, 4);
                List<float[]> rest = new ArrayList<>();
                for (Batch b; (b = loader.next()) != null; ) {
                    rest.add(b.images().clone());
                }
                assertEquals(loader.batchesPerEpoch() - 4, rest.size());
                for (int k = 0; k < rest.size(); k++) {
                    assertArrayEquals(whole.get(2 * (k + 4)), rest.get(k), "batch " + (k + 4));
                }
                loader.startEpoch(3, loader.batchesPerEpoch());
                assertNull(loader.next(), "an epoch resumed after its last batch has none left");
                assertThrows(IllegalArgumentException.class, () -> loader.startEpoch(0, loader.batchesPerEpoch() + 1));
            }
        }
    }

    @Test
    void backgroundThreadGivesExactlyTheSynchronousBatches() {
        try (BatchLoader background = new BatchLoader(DATA, 16, training(9));
             BatchLoader synchronous = new BatchLoader(DATA, 16, training(9).withBackground(false))) {
            for (int epoch : new int[] {0, 1, 4}) {
                List<float[]> a = snapshot(background, epoch);
                List<float[]> b = snapshot(synchronous, epoch);
                assertEquals(a.size(), b.size());
                for (int k = 0; k < a.size(); k++) {
                    assertArrayEquals(b.get(k), a.get(k));
                }
            }
        }
    }

    @Test
    void samplesAreNormalisedThenAugmented() {
        Augmentation flipOnly = Augmentation.of(0, Augmentation.Padding.ZERO, true);
        BatchLoader.Options options = new BatchLoader.Options(1, true, true, NORM, flipOnly, true);
        int flipped = 0;
        try (BatchLoader loader = new BatchLoader(DATA, 20, options)) {
            loader.startEpoch(2);
            float[] plain = new float[SIZE];
            float[] mirrored = new float[SIZE];
            for (Batch b; (b = loader.next()) != null; ) {
                for (int r = 0; r < b.count(); r++) {
                    DATA.image(b.indices()[r], plain, 0);
                    NORM.apply(plain, 0, 1);
                    flipOnly.apply(SHAPE, plain, 0, mirrored, 0, 0, 0, true);
                    float[] got = Arrays.copyOfRange(b.images(), r * SIZE, (r + 1) * SIZE);
                    boolean isFlipped = Arrays.equals(got, mirrored);
                    assertTrue(isFlipped || Arrays.equals(got, plain));
                    flipped += isFlipped ? 1 : 0;
                }
            }
        }
        assertTrue(flipped > 30 && flipped < 70, flipped + " of 100 flipped");
    }

    @Test
    void batchesAreReusedBuffers() {
        try (BatchLoader loader = new BatchLoader(DATA, 10, training(1))) {
            loader.startEpoch(0);
            Batch first = loader.next();
            Batch second = loader.next();
            assertSame(first, loader.next());
            assertSame(second, loader.next());
            loader.startEpoch(1);
            assertSame(first, loader.next());
        }
    }

    @Test
    void failureInTheWorkerSurfacesInTheCaller() {
        Dataset failing = new Dataset() {
            @Override
            public int size() {
                return 30;
            }

            @Override
            public Shape imageShape() {
                return SHAPE;
            }

            @Override
            public List<String> classNames() {
                return List.of("a");
            }

            @Override
            public int label(int i) {
                return 0;
            }

            @Override
            public void image(int i, float[] dst, int offset) {
                if (i == 17) {
                    throw new IllegalStateException("disk on fire");
                }
            }
        };
        try (BatchLoader loader = new BatchLoader(failing, 10, BatchLoader.Options.evaluation(Normalization.none()))) {
            loader.startEpoch(0);
            assertEquals(10, loader.next().count());
            IllegalStateException e = assertThrows(IllegalStateException.class, loader::next);
            assertTrue(e.getMessage().contains("batch 1 of epoch 0"), e.getMessage());
            assertEquals("disk on fire", e.getCause().getMessage());
        }
    }

    @Test
    void misuseGivesClearErrors() {
        assertThrows(IllegalArgumentException.class, () -> new BatchLoader(DATA, 200, training(1)));
        assertThrows(IllegalArgumentException.class, () -> new BatchLoader(DATA, 0, training(1)));
        Normalization other = Normalization.pixelMean(TestData.dataset(2, Shape.of(1, 6, 6), 2, 1));
        assertThrows(IllegalArgumentException.class,
                () -> new BatchLoader(DATA, 10, BatchLoader.Options.evaluation(other)));
        BatchLoader loader = new BatchLoader(DATA, 10, training(1));
        assertThrows(IllegalStateException.class, loader::next);
        loader.startEpoch(0);
        loader.next();
        loader.close();
        loader.close();
        assertThrows(IllegalStateException.class, loader::next);
        assertThrows(IllegalStateException.class, () -> loader.startEpoch(1));
    }

    @Test
    void closeStopsTheDaemonThread() {
        Set<Thread> before = Thread.getAllStackTraces().keySet();
        BatchLoader loader = new BatchLoader(DATA, 10, training(1));
        Set<Thread> started = new HashSet<>(Thread.getAllStackTraces().keySet());
        started.removeAll(before);
        Thread worker = started.stream().filter(t -> t.getName().startsWith("batch-loader-")).findAny().orElseThrow();
        assertTrue(worker.isDaemon());
        loader.startEpoch(0);
        loader.next();
        loader.close();
        assertFalse(worker.isAlive());
    }
}
