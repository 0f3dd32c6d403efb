package io.tornadoresnet.data;

/**
 * What the trainer and the evaluator read batches from: one epoch at a time, in reused
 * {@link Batch} buffers. {@link BatchLoader} serves data sets held in memory,
 * {@link StreamingLoader} decodes image files and tar shards as it goes. Both draw the order of an
 * epoch from (seed, epoch) and each sample's augmentation from (seed, epoch, position), so a run
 * resumed at any batch sees exactly the batches of an uninterrupted one.
 * Not thread-safe: one thread calls {@code startEpoch}, {@code next} and {@code close}.
 */
public interface DataLoader extends AutoCloseable {

    /** Samples per batch. */
    int batchSize();

    /** Batches per epoch. */
    int batchesPerEpoch();

    /** Begins epoch {@code epoch} (from 0), abandoning what is left of the previous one. */
    default void startEpoch(int epoch) {
        startEpoch(epoch, 0);
    }

    /** Begins epoch {@code epoch} at batch {@code firstBatch}, serving what an epoch started at 0 serves from there. */
    void startEpoch(int epoch, int firstBatch);

    /** The next batch of the epoch, or null after its last one; valid until the next call. */
    Batch next();

    /** Files of the current epoch that could not be decoded and were left out (rows labelled -1); 0 in memory. */
    default int skippedFiles() {
        return 0;
    }

    /** Stops the background threads; the batches become invalid. */
    @Override
    void close();
}
