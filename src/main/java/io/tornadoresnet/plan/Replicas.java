package io.tornadoresnet.plan;

/**
 * The data-parallel replicas of a training plan as its synchronised batch norms see them in the
 * middle of a step ({@link Op.ReplicaMean}): how many there are, and the element-wise mean over all
 * of them, which every replica's plan calls in the same order.
 */
public interface Replicas {

    /** Number of replicas, each training on an equal share of the global batch. */
    int count();

    /**
     * Replaces values by their element-wise mean over the replicas, the same bits on each; a peer that
     * fails or does not answer makes it throw (an {@link java.io.UncheckedIOException}).
     */
    void averageInPlace(float[] values);
}
