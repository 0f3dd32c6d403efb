package io.tornadoresnet.data;

import io.tornadoresnet.tensor.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Serves batches of a {@link StreamingImages} data set, decoded and augmented by a pool of
 * threads into a ring of a few reused batches: memory stays flat whatever the data set's size.
 * The threads take the samples of an epoch one at a time, in order, and never run more than the
 * ring's length ahead of the batch the caller holds. A batch is served when all its rows are done,
 * so batches come in order; each sample's augmentation is drawn from (seed, epoch, position), as in
 * {@link BatchLoader}, so the batches do not depend on thread timing.
 *
 * <p>A data-parallel worker's loader serves its shard of every global batch, as the sharded
 * {@link BatchLoader} does: of the positions of each batch, the rows {@code shard},
 * {@code shard + shards}, ..., with the samples and augmentation that a loader of the whole batch
 * gives those rows. It decodes only its own rows; the samples of the other workers are still taken
 * from the epoch's stream (tar shards are read in order, whoever decodes a sample) and passed over.
 *
 * <p>A file that cannot be decoded becomes a zero image labelled -1 (the loss leaves it out),
 * with one warning line naming it; with the data set's {@code strict} setting the batch fails
 * instead, and {@link #next()} throws.
 */
public final class StreamingLoader implements DataLoader {
    private static final long AUGMENTATION_SALT = 0x6A09E667F3BCC908L;
    private static final AtomicInteger LOADERS = new AtomicInteger();

    private final StreamingImages source;
    private final int batchSize;
    private final int shard;
    private final int shards;
    private final int rows;
    private final BatchLoader.Options options;
    private final ImageTransform transform;
    private final Shape shape;
    private final int views;
    private final int rowSize;
    private final int samples;
    private final int batches;
    private final Order order;
    private final Slot[] slots;
    private final Thread[] workers;
    private final StageTimes times = new StageTimes();

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    // Guarded by lock.
    private StreamingImages.SampleStream stream;
    private long augmentationKey;
    private int nextPosition;
    private int endPosition;
    private int held;
    private int nextBatch;
    private int epoch = -1;
    private int inFlight;
    private int skippedFiles;
    private boolean closed;

    /** Where the samples of an epoch come from, from position {@code skip} on. */
    interface Order {
        StreamingImages.SampleStream open(long seed, int epoch, boolean shuffle, int skip) throws IOException;
    }

    /** One batch of the ring: positions still to read or prepare, rows left out, and the first failure. */
    private static final class Slot {
        final Batch batch;
        int index = -1;
        int remaining;
        int skipped;
        Throwable failure;

        Slot(int rows, int rowSize) {
            batch = new Batch(rows, rowSize);
        }
    }

    StreamingLoader(StreamingImages source, int batchSize, BatchLoader.Options options, ImageTransform transform) {
        this(source, batchSize, 0, 1, options, transform, source.size(), source.epochs());
    }

    StreamingLoader(StreamingImages source, int globalBatch, int shard, int shards, BatchLoader.Options options,
            ImageTransform transform) {
        this(source, globalBatch, shard, shards, options, transform, source.size(), source.epochs());
    }

    /**
     * @param globalBatch positions of the epoch per batch, of which this loader serves
     *                    {@code globalBatch / shards} images, each {@code transform.views()} rows
     * @param shard       which of the batch's positions are this loader's: those equal to it modulo {@code shards}
     * @param samples     samples per epoch
     */
    StreamingLoader(StreamingImages source, int globalBatch, int shard, int shards, BatchLoader.Options options,
            ImageTransform transform, int samples, Order order) {
        if (globalBatch <= 0) {
            throw new IllegalArgumentException("batch size must be positive, not " + globalBatch);
        }
        if (shards <= 0 || shard < 0 || shard >= shards || globalBatch % shards != 0) {
            throw new IllegalArgumentException("shard " + shard + " of " + shards + " does not split a batch of "
                    + globalBatch + " into equal parts");
        }
        this.source = source;
        this.batchSize = globalBatch;
        this.shard = shard;
        this.shards = shards;
        this.rows = globalBatch / shards;
        this.options = options;
        this.transform = transform;
        this.shape = transform.shape();
        this.views = transform.views();
        this.rowSize = shape.size();
        this.samples = samples;
        this.order = order;
        this.batches = options.dropLast() ? samples / globalBatch : (samples + globalBatch - 1) / globalBatch;
        if (batches == 0) {
            throw new IllegalArgumentException(source + " has no " + (options.dropLast() ? "full " : "") + "batch of "
                    + globalBatch);
        }
        options.normalization().checkShape(shape);
        options.augmentation().checkShape(shape);
        int threads = source.settings().threads();
        // two batches ahead of the one in use, more when the threads outnumber a batch's images
        this.slots = new Slot[Math.max(3, 2 + (2 * threads + rows - 1) / rows)];
        for (int k = 0; k < slots.length; k++) {
            slots[k] = new Slot(rows * views, rowSize);
        }
        int id = LOADERS.incrementAndGet();
        this.workers = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            workers[t] = new Thread(this::work, "image-decoder-" + id + "-" + t);
            workers[t].setDaemon(true);
            workers[t].start();
        }
    }

    /** Positions per batch of the epoch (the global batch of a worker's loader). */
    @Override
    public int batchSize() {
        return batchSize;
    }

    @Override
    public int batchesPerEpoch() {
        return batches;
    }

    /** Where the threads' time went so far. */
    public StageTimes times() {
        return times;
    }

    @Override
    public void startEpoch(int epoch, int firstBatch) {
        if (epoch < 0) {
            throw new IllegalArgumentException("epoch must not be negative: " + epoch);
        }
        if (firstBatch < 0 || firstBatch > batches) {
            throw new IllegalArgumentException("first batch " + firstBatch + " is outside [0, " + batches + "]");
        }
        lock.lock();
        try {
            checkOpen();
            closeStream();
            while (inFlight > 0) {
                changed.awaitUninterruptibly();
            }
            for (Slot slot : slots) {
                slot.index = -1;
            }
            int first = firstBatch * batchSize;
            try {
                stream = order.open(options.seed(), epoch, options.shuffle(), first);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            this.epoch = epoch;
            augmentationKey = Seeds.mix(options.seed() ^ AUGMENTATION_SALT, epoch);
            nextPosition = first;
            endPosition = Math.min(samples, batches * batchSize);
            held = firstBatch - 1;
            nextBatch = firstBatch;
            skippedFiles = 0;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public Batch next() {
        lock.lock();
        try {
            checkOpen();
            if (epoch < 0) {
                throw new IllegalStateException("call startEpoch(epoch) before next()");
            }
            if (nextBatch == batches) {
                return null;
            }
            held = nextBatch;
            changed.signalAll();
            Slot slot = slots[nextBatch % slots.length];
            while (slot.index != nextBatch || slot.remaining > 0) {
                changed.awaitUninterruptibly();
                checkOpen();
            }
            if (slot.failure != null) {
                int failed = epoch;
                epoch = -1;
                closeStream();
                throw new IllegalStateException("preparing batch " + nextBatch + " of epoch " + failed + " of "
                        + source + " failed: " + slot.failure.getMessage(), slot.failure);
            }
            slot.batch.set(countOf(nextBatch) * views, nextBatch, slot.skipped * views);
            nextBatch++;
            return slot.batch;
        } finally {
            lock.unlock();
        }
    }

    /** Files of this loader's rows of the current epoch that were left out: a worker's own, not its fellows'. */
    @Override
    public int skippedFiles() {
        lock.lock();
        try {
            return skippedFiles;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            closeStream();
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        for (Thread worker : workers) {
            try {
                worker.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** A sample claimed by a thread: where it goes and what it is. */
    private record Claim(Slot slot, int row, long key, StreamingImages.Sample sample) {
    }

    private void work() {
        while (true) {
            Claim claim = claim();
            if (claim == null) {
                return;
            }
            Throwable failure = null;
            boolean skipped = false;
            try {
                skipped = !prepare(claim);
            } catch (Throwable t) {
                failure = t;
            }
            lock.lock();
            try {
                inFlight--;
                Slot slot = claim.slot();
                if (failure != null && slot.failure == null) {
                    slot.failure = failure;
                }
                if (skipped) {
                    slot.skipped++;
                    skippedFiles++;
                }
                slot.remaining--;
                changed.signalAll();
            } finally {
                lock.unlock();
            }
        }
    }

    /**
     * The next sample of this loader's rows once the ring has room for it; null when the loader is
     * closed. The samples of other shards on the way are read from the stream and passed over.
     */
    private Claim claim() {
        lock.lock();
        try {
            while (true) {
                while (!closed && (stream == null || nextPosition == endPosition
                        || nextPosition / batchSize >= held + slots.length)) {
                    changed.awaitUninterruptibly();
                }
                if (closed) {
                    return null;
                }
                int position = nextPosition++;
                int b = position / batchSize;
                int inBatch = position - b * batchSize;
                Slot slot = slots[b % slots.length];
                if (slot.index != b) {
                    startSlot(slot, b);
                }
                StreamingImages.Sample sample = read(position, slot);
                if (inBatch % shards == shard) {
                    inFlight++;
                    return new Claim(slot, inBatch / shards, Seeds.mix(augmentationKey, position), sample);
                }
                slot.remaining--;
                changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    /** The stream's next sample, at {@code position}; null, with the failure kept in the slot, when it fails. */
    private StreamingImages.Sample read(int position, Slot slot) {
        long start = System.nanoTime();
        try {
            StreamingImages.Sample sample = stream.next();
            times.lap(StageTimes.Stage.READ, start);
            if (sample == null) {
                throw new DataFileException(Path.of(source.description()), "ended after " + position
                        + " samples; it had " + samples + " when opened (changed since?)");
            }
            return sample;
        } catch (IOException | RuntimeException e) {
            slot.failure = slot.failure == null ? e : slot.failure;
            return null;
        }
    }

    /** This loader's samples in batch {@code b}: its rows of the batch's positions (fewer in a last partial batch). */
    private int countOf(int b) {
        int inBatch = Math.min(batchSize, samples - b * batchSize);
        return Math.max(0, Math.min(rows, (inBatch - shard + shards - 1) / shards));
    }

    /**
     * Readies the slot for batch {@code b}: all its positions to read (and this loader's to prepare),
     * the rows past this loader's samples zeroed.
     */
    private void startSlot(Slot slot, int b) {
        int count = countOf(b);
        slot.index = b;
        slot.remaining = Math.min(batchSize, samples - b * batchSize);
        slot.skipped = 0;
        slot.failure = null;
        Batch batch = slot.batch;
        Arrays.fill(batch.images(), count * views * rowSize, batch.images().length, 0f);
        Arrays.fill(batch.labels(), count * views, batch.labels().length, 0);
        Arrays.fill(batch.indices(), count * views, batch.indices().length, -1);
    }

    /** Decodes, augments and normalises one sample into its rows; false when its file was left out. */
    private boolean prepare(Claim claim) throws IOException {
        StreamingImages.Sample sample = claim.sample();
        if (sample == null) {
            return true;
        }
        Batch batch = claim.slot().batch;
        float[] images = batch.images();
        int first = claim.row() * views;
        int offset = first * rowSize;
        int index = sample.index();
        Path name = sample.name() != null ? sample.name() : source.name(index);
        try {
            long start = System.nanoTime();
            byte[] bytes = sample.bytes();
            if (bytes == null) {
                bytes = source.read(index);
                times.lap(StageTimes.Stage.READ, start);
            }
            times.addBytes(bytes.length);
            ImageTransform.Decoded decoded = transform.decode(bytes, name, shape.dim(0), times);
            transform.apply(decoded, claim.key(), images, offset, times);
        } catch (DataFileException e) {
            source.skip(e, name);
            Arrays.fill(images, offset, offset + views * rowSize, 0f);
            Arrays.fill(batch.labels(), first, first + views, -1);
            Arrays.fill(batch.indices(), first, first + views, index);
            return false;
        }
        long start = System.nanoTime();
        Augmentation augmentation = options.augmentation();
        for (int v = 0; v < views; v++) {
            int at = offset + v * rowSize;
            augmentation.applyLighting(images, at, shape.dim(0), shape.dim(1) * shape.dim(2), claim.key());
            options.normalization().apply(images, at, 1);
        }
        start = times.lap(StageTimes.Stage.NORMALISE, start);
        if (!augmentation.isIdentity()) {
            float[] scratch = new float[rowSize];
            for (int v = 0; v < views; v++) {
                int at = offset + v * rowSize;
                System.arraycopy(images, at, scratch, 0, rowSize);
                augmentation.apply(shape, scratch, 0, images, at, claim.key());
            }
            times.lap(StageTimes.Stage.CROP_FLIP, start);
        }
        Arrays.fill(batch.labels(), first, first + views, sample.label());
        Arrays.fill(batch.indices(), first, first + views, index);
        return true;
    }

    private void closeStream() {
        if (stream != null) {
            try {
                stream.close();
            } catch (IOException e) {
                // the epoch is over: nothing is read from this stream again
            }
            stream = null;
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("loader closed");
        }
    }
}
