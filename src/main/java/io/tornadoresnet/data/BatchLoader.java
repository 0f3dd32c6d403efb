package io.tornadoresnet.data;

import io.tornadoresnet.tensor.Shape;
import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves one epoch at a time of a {@link Dataset} in batches of B images, normalised and augmented,
 * in two reused {@link Batch} buffers: while the caller trains on one, a background thread fills
 * the other with the next batch. Nothing is allocated per batch.
 *
 * <p>The order of an epoch is a permutation drawn from (seed, epoch), and each sample's
 * augmentation from (seed, epoch, position in the epoch), so a run resumed at epoch e sees exactly
 * the batches of an uninterrupted one, whatever the thread timing.
 *
 * <pre>{@code
 * try (BatchLoader loader = new BatchLoader(train, 128, BatchLoader.Options.training(seed, norm, aug))) {
 *     for (int epoch = 0; epoch < epochs; epoch++) {
 *         loader.startEpoch(epoch);
 *         for (Batch b; (b = loader.next()) != null; ) {
 *             step(b.images(), b.labels(), b.count());
 *         }
 *     }
 * }
 * }</pre>
 * Not thread-safe: one thread calls {@code startEpoch}, {@code next} and {@code close}.
 */
public final class BatchLoader implements DataLoader {
    private static final long AUGMENTATION_SALT = 0x6A09E667F3BCC908L;
    private static final AtomicInteger THREADS = new AtomicInteger();

    /**
     * @param seed         seeds the shuffling and the augmentation
     * @param shuffle      a new permutation per epoch, or the data set's order
     * @param dropLast     drop the last partial batch (training) or serve it (evaluation)
     * @param background   prepare the next batch on a background thread, or each one in {@code next()}
     */
    public record Options(long seed, boolean shuffle, boolean dropLast, Normalization normalization,
            Augmentation augmentation, boolean background) {

        public Options {
            Objects.requireNonNull(normalization, "normalization");
            Objects.requireNonNull(augmentation, "augmentation");
        }

        /** Training: shuffled, augmented, without the last partial batch, prepared in the background. */
        public static Options training(long seed, Normalization normalization, Augmentation augmentation) {
            return new Options(seed, true, true, normalization, augmentation, true);
        }

        /** Evaluation: the data set's order, no augmentation, the last partial batch kept. */
        public static Options evaluation(Normalization normalization) {
            return new Options(0, false, false, normalization, Augmentation.none(), true);
        }

        public Options withBackground(boolean background) {
            return new Options(seed, shuffle, dropLast, normalization, augmentation, background);
        }
    }

    private final Dataset dataset;
    private final int batchSize;
    private final int shard;
    private final int shards;
    private final Options options;
    private final Shape shape;
    private final int imageSize;
    private final int batches;
    private final int[] order;
    private final float[] scratch;
    private final Batch[] slots;
    private final Thread worker;

    // The caller's thread's state; the worker reads order and augmentationKey only while a job runs.
    private int epoch = -1;
    private long augmentationKey;
    private int nextBatch;
    private boolean pending;

    // Hand-off of one job (the batch to fill, or -1) to the worker, guarded by lock.
    private final Object lock = new Object();
    private int job = -1;
    private boolean jobDone;
    private Throwable jobFailure;
    private boolean closed;

    public BatchLoader(Dataset dataset, int batchSize, Options options) {
        this(dataset, batchSize, 0, 1, options);
    }

    /**
     * A loader of one worker's share of every batch, as PyTorch's DistributedSampler deals an
     * epoch: of each batch of {@code globalBatch} positions the loader serves only the rows
     * {@code shard}, {@code shard + shards}, ... (a batch of globalBatch / shards rows), with the
     * images and augmentation that a loader of the whole batch gives those rows.
     */
    public BatchLoader(Dataset dataset, int globalBatch, int shard, int shards, Options options) {
        if (shards <= 0 || shard < 0 || shard >= shards || globalBatch % shards != 0) {
            throw new IllegalArgumentException("shard " + shard + " of " + shards + " does not split a batch of "
                    + globalBatch + " into equal parts");
        }
        this.dataset = dataset;
        this.batchSize = globalBatch;
        this.shard = shard;
        this.shards = shards;
        this.options = options;
        this.shape = dataset.imageShape();
        this.imageSize = shape.size();
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batch size must be positive, not " + batchSize);
        }
        int n = dataset.size();
        this.batches = options.dropLast() ? n / batchSize : (n + batchSize - 1) / batchSize;
        if (batches == 0) {
            throw new IllegalArgumentException(dataset + " has no " + (options.dropLast() ? "full " : "")
                    + "batch of " + batchSize);
        }
        options.normalization().checkShape(shape);
        options.augmentation().checkShape(shape);
        if (options.augmentation().needsDecoding()) {
            throw new IllegalArgumentException(options.augmentation() + " resizes or recolours decoded images: it needs"
                    + " an image folder or tar shards, not " + dataset);
        }
        this.order = new int[n];
        this.scratch = new float[imageSize];
        int rows = batchSize / shards;
        this.slots = new Batch[] {new Batch(rows, imageSize), new Batch(rows, imageSize)};
        if (options.background()) {
            worker = new Thread(this::work, "batch-loader-" + THREADS.incrementAndGet());
            worker.setDaemon(true);
            worker.start();
        } else {
            worker = null;
        }
    }

    public Dataset dataset() {
        return dataset;
    }

    /** Positions per batch of the epoch (the global batch of a sharded loader). */
    @Override
    public int batchSize() {
        return batchSize;
    }

    public Options options() {
        return options;
    }

    /** Batches per epoch: floor(N / B) with dropLast, else ceil(N / B). */
    @Override
    public int batchesPerEpoch() {
        return batches;
    }

    /**
     * Begins epoch {@code epoch} at batch {@code firstBatch}: the batches served are those an
     * epoch started at 0 serves from that position on (a run resumed in the middle of an epoch).
     */
    @Override
    public void startEpoch(int epoch, int firstBatch) {
        checkOpen();
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must not be negative: " + epoch);
        }
        if (firstBatch < 0 || firstBatch > batches) {
            throw new IllegalArgumentException("first batch " + firstBatch + " is outside [0, " + batches + "]");
        }
        if (pending) {
            await(true);
        }
        if (options.shuffle()) {
            Splits.shuffle(order, new SplittableRandom(Seeds.mix(options.seed(), epoch)));
        } else {
            Arrays.setAll(order, i -> i);
        }
        this.epoch = epoch;
        this.augmentationKey = Seeds.mix(options.seed() ^ AUGMENTATION_SALT, epoch);
        this.nextBatch = firstBatch;
        if (worker != null && firstBatch < batches) {
            submit(firstBatch);
        }
    }

    /**
     * The next batch of the epoch, or null after its last one. The batch returned stays valid until
     * the next call; a failure in preparing it is thrown here.
     */
    @Override
    public Batch next() {
        checkOpen();
        if (epoch < 0) {
            throw new IllegalStateException("call startEpoch(epoch) before next()");
        }
        if (nextBatch == batches) {
            return null;
        }
        Batch batch = slots[nextBatch & 1];
        if (worker == null) {
            fill(nextBatch);
        } else {
            await(false);
            if (nextBatch + 1 < batches) {
                submit(nextBatch + 1);
            }
        }
        nextBatch++;
        return batch;
    }

    /** Stops the background thread; the batches become invalid. */
    @Override
    public void close() {
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            lock.notifyAll();
        }
        if (worker != null) {
            try {
                worker.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Fills the slot of batch {@code b} of the current epoch. */
    private void fill(int b) {
        Batch batch = slots[b & 1];
        float[] images = batch.images();
        int[] labels = batch.labels();
        int[] indices = batch.indices();
        int start = b * batchSize;
        int rows = labels.length;
        int inBatch = Math.min(batchSize, order.length - start);
        int count = Math.max(0, Math.min(rows, (inBatch - shard + shards - 1) / shards));
        Augmentation augmentation = options.augmentation();
        for (int r = 0; r < count; r++) {
            int position = start + shard + shards * r;
            int i = order[position];
            int offset = r * imageSize;
            if (augmentation.isIdentity()) {
                dataset.image(i, images, offset);
                options.normalization().apply(images, offset, 1);
            } else {
                dataset.image(i, scratch, 0);
                options.normalization().apply(scratch, 0, 1);
                augmentation.apply(shape, scratch, 0, images, offset, Seeds.mix(augmentationKey, position));
            }
            labels[r] = dataset.label(i);
            indices[r] = i;
        }
        Arrays.fill(images, count * imageSize, images.length, 0f);
        Arrays.fill(labels, count, rows, 0);
        Arrays.fill(indices, count, rows, -1);
        batch.set(count, b);
    }

    private void work() {
        while (true) {
            int b;
            synchronized (lock) {
                while (job < 0 && !closed) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        // Only close() ends this thread: the caller may be waiting for a batch.
                    }
                }
                if (closed) {
                    return;
                }
                b = job;
            }
            Throwable failure = null;
            try {
                fill(b);
            } catch (Throwable t) {
                failure = t;
            }
            synchronized (lock) {
                job = -1;
                jobDone = true;
                jobFailure = failure;
                lock.notifyAll();
            }
        }
    }

    private void submit(int b) {
        synchronized (lock) {
            job = b;
            jobDone = false;
            jobFailure = null;
            lock.notifyAll();
        }
        pending = true;
    }

    /** Waits for the submitted batch; rethrows its failure unless {@code discard}. */
    private void await(boolean discard) {
        Throwable failure;
        synchronized (lock) {
            while (!jobDone) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while waiting for a batch", e);
                }
            }
            failure = jobFailure;
        }
        pending = false;
        if (failure != null && !discard) {
            int failedEpoch = epoch;
            epoch = -1;
            throw new IllegalStateException("preparing batch " + nextBatch + " of epoch " + failedEpoch + " of "
                    + dataset + " failed: " + failure, failure);
        }
    }

    private void checkOpen() {
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("batch loader closed");
            }
        }
    }
}
