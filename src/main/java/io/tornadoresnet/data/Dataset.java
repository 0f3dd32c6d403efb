package io.tornadoresnet.data;

import io.tornadoresnet.tensor.Shape;
import java.util.List;

/**
 * A labelled image-classification data set. Implementations keep their pixels compactly in
 * memory and are read-only, so that any thread may read any image at any time.
 */
public interface Dataset {

    /** Number of images. */
    int size();

    /** Shape of one image, channels x height x width. */
    Shape imageShape();

    /** Class names, indexed by label. */
    List<String> classNames();

    default int numClasses() {
        return classNames().size();
    }

    /** Label of image {@code i}, in {@code 0 .. numClasses()-1}. */
    int label(int i);

    /** Writes image {@code i} as C*H*W floats in [0,1] (CHW order) to {@code dst[offset..]}. */
    void image(int i, float[] dst, int offset);

    /** Batches of this data set; a set held in memory serves them from a {@link BatchLoader}. */
    default DataLoader loader(int batchSize, BatchLoader.Options options) {
        return new BatchLoader(this, batchSize, options);
    }

    /**
     * The rows {@code shard, shard + shards, ...} of every batch of {@code globalBatch}: one
     * data-parallel worker's share, as PyTorch's DistributedSampler gives it. One shard is the whole batch.
     */
    default DataLoader loader(int globalBatch, int shard, int shards, BatchLoader.Options options) {
        return shards == 1 ? loader(globalBatch, options) : new BatchLoader(this, globalBatch, shard, shards, options);
    }
}
