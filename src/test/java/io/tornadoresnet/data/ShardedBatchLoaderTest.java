package io.tornadoresnet.data;

import io.tornadoresnet.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A worker's share of every batch is the very rows a loader of the whole batch serves. */
class ShardedBatchLoaderTest {
    private static final Shape SHAPE = Shape.of(3, 6, 6);
    private static final int SIZE = SHAPE.size();
    private static final InMemoryDataset DATA = TestData.dataset(103, SHAPE, 10, 11);

    private static BatchLoader.Options options(boolean training) {
        Normalization norm = Normalization.pixelMean(DATA);
        return training ? BatchLoader.Options.training(7, norm, Augmentation.of(2, Augmentation.Padding.ZERO, true))
                : BatchLoader.Options.evaluation(norm);
    }

    @Test
    void eachShardServesRowsShardPlusMultiplesOfShardsOfTheWholeBatch() {
        for (boolean training : new boolean[] {true, false}) {
            int shards = 3;
            try (BatchLoader whole = new BatchLoader(DATA, 12, options(training))) {
                BatchLoader[] parts = new BatchLoader[shards];
                for (int s = 0; s < shards; s++) {
                    parts[s] = new BatchLoader(DATA, 12, s, shards, options(training));
                }
                for (int epoch = 0; epoch < 2; epoch++) {
                    whole.startEpoch(epoch, 1);
                    for (BatchLoader p : parts) {
                        p.startEpoch(epoch, 1);
                        assertEquals(whole.batchesPerEpoch(), p.batchesPerEpoch());
                    }
                    for (Batch w; (w = whole.next()) != null; ) {
                        for (int s = 0; s < shards; s++) {
                            Batch b = parts[s].next();
                            assertEquals(4, b.labels().length);
                            assertEquals(w.index(), b.index());
                            int expectedCount = Math.max(0, (w.count() - s + shards - 1) / shards);
                            assertEquals(expectedCount, b.count(), "batch " + w.index() + ", shard " + s);
                            for (int r = 0; r < 4; r++) {
                                int row = s + shards * r;
                                assertEquals(r < b.count() ? w.indices()[row] : -1, b.indices()[r]);
                                assertEquals(r < b.count() ? w.labels()[row] : 0, b.labels()[r]);
                                float[] expected = r < b.count()
                                        ? Arrays.copyOfRange(w.images(), row * SIZE, (row + 1) * SIZE) : new float[SIZE];
                                assertArrayEquals(expected, Arrays.copyOfRange(b.images(), r * SIZE, (r + 1) * SIZE),
                                        "training " + training + ", epoch " + epoch + ", shard " + s + ", row " + r);
                            }
                        }
                    }
                    for (BatchLoader p : parts) {
                        assertNull(p.next());
                    }
                }
                for (BatchLoader p : parts) {
                    p.close();
                }
            }
        }
    }

    @Test
    void aShardThatDoesNotSplitTheBatchIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new BatchLoader(DATA, 10, 0, 3, options(true)));
        assertThrows(IllegalArgumentException.class, () -> new BatchLoader(DATA, 12, 3, 3, options(true)));
        assertThrows(IllegalArgumentException.class, () -> new BatchLoader(DATA, 12, -1, 3, options(true)));
    }
}
