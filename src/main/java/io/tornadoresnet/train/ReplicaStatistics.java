package io.tornadoresnet.train;

import io.tornadoresnet.plan.Replicas;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The workers as a training plan's synchronised batch norms see them ({@code --sync-bn}): the
 * per-channel sums are averaged through {@link Workers} in the middle of a step, and the time spent
 * there (waits for slower workers included) is kept apart from the compute time.
 */
final class ReplicaStatistics implements Replicas {
    private final Workers workers;
    private long nanos;

    ReplicaStatistics(Workers workers) {
        this.workers = workers;
    }

    @Override
    public int count() {
        return workers.size();
    }

    @Override
    public void averageInPlace(float[] values) {
        long start = System.nanoTime();
        try {
            workers.averageInPlace(values, 0, values.length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            nanos += System.nanoTime() - start;
        }
    }

    /** Nanoseconds in the averaging calls so far. */
    long nanos() {
        return nanos;
    }
}
