package io.tornadoresnet.data;

/**
 * One batch of a {@link BatchLoader}: buffers owned and reused by the loader, valid until the
 * loader's next call to {@code next()}, {@code startEpoch} or {@code close}. Rows past
 * {@link #count()} (in a last partial batch) hold zero images with label 0 and index -1; a row
 * whose file could not be decoded holds a zero image with label -1, which the loss leaves out.
 */
public final class Batch {
    private final float[] images;
    private final int[] labels;
    private final int[] indices;
    private int count;
    private int index;
    private int skipped;

    Batch(int batchSize, int imageSize) {
        this.images = new float[Math.multiplyExact(batchSize, imageSize)];
        this.labels = new int[batchSize];
        this.indices = new int[batchSize];
    }

    /** The images, [B][C][H][W] flattened, normalised and augmented. */
    public float[] images() {
        return images;
    }

    /** The labels, [B]. */
    public int[] labels() {
        return labels;
    }

    /** The data set index of each row, [B]; -1 past {@link #count()}. */
    public int[] indices() {
        return indices;
    }

    /** Number of real samples: the batch size, or fewer in a last partial batch. */
    public int count() {
        return count;
    }

    /** Position of this batch in its epoch, from 0. */
    public int index() {
        return index;
    }

    /** Rows among the first {@link #count()} whose file could not be decoded: zero images labelled -1. */
    public int skipped() {
        return skipped;
    }

    void set(int count, int index) {
        set(count, index, 0);
    }

    void set(int count, int index, int skipped) {
        this.count = count;
        this.index = index;
        this.skipped = skipped;
    }
}
