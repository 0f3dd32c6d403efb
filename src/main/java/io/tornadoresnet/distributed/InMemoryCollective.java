package io.tornadoresnet.distributed;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The collective of workers that are threads of one process. Each call meets at a barrier; then
 * worker r sums its share (the r-th N-th) of the data over the workers, always in rank order, and
 * divides by N, and after a second barrier every worker copies all of the sums: every worker gets
 * the same bits, and N workers' mean of x is (x0 + x1 + ... ) / N, as one worker's mean of N
 * accumulated micro-batches is.
 *
 * <pre>{@code
 * InMemoryCollective.Group group = new InMemoryCollective.Group(4, Duration.ofMinutes(10));
 * // in worker thread r:
 * try (Collective c = group.member(r)) { c.allReduceMean(gradients, 0, gradients.length); }
 * }</pre>
 */
public final class InMemoryCollective implements Collective {
    private final Group group;
    private final int rank;

    private InMemoryCollective(Group group, int rank) {
        this.group = group;
        this.rank = rank;
    }

    /** The workers of one run: where their calls meet. */
    public static final class Group {
        private final int size;
        private final long timeoutNanos;
        private final CyclicBarrier barrier;
        private final float[][] arrays;
        private final int[] offsets;
        private final int[] lengths;
        private float[] means = new float[0];
        private boolean lengthsDiffer;
        private volatile String failure;

        /**
         * @param timeout how long a worker waits for the others at each call before the call fails
         *                (and with it every waiting worker's)
         */
        public Group(int size, Duration timeout) {
            if (size < 1) {
                throw new IllegalArgumentException("a group needs at least one worker, not " + size);
            }
            this.size = size;
            this.timeoutNanos = timeout.toNanos();
            this.arrays = new float[size][];
            this.offsets = new int[size];
            this.lengths = new int[size];
            this.barrier = new CyclicBarrier(size, this::allArrived);
        }

        /** The collective of worker {@code rank}; each rank is to be used by one thread. */
        public Collective member(int rank) {
            if (rank < 0 || rank >= size) {
                throw new IllegalArgumentException("rank " + rank + " is outside 0.." + (size - 1));
            }
            return new InMemoryCollective(this, rank);
        }

        /**
         * Fails the group: the workers waiting in a call, and every later call, throw at once with
         * this reason (a worker that failed calls it so that the others need not wait for the timeout).
         */
        public void abort(String reason) {
            if (failure == null) {
                failure = reason;
            }
            barrier.reset();
        }

        /** Whether a worker is waiting in a call for the others. */
        boolean hasWaiting() {
            return barrier.getNumberWaiting() > 0;
        }

        private void allArrived() {
            int length = lengths[0];
            lengthsDiffer = false;
            for (int l : lengths) {
                lengthsDiffer |= l != length;
            }
            if (means.length < length) {
                means = new float[length];
            }
        }

        private void await(int rank) throws IOException {
            String failed = failure;
            if (failed != null) {
                throw new IOException("worker " + rank + ": the group failed: " + failed);
            }
            try {
                barrier.await(timeoutNanos, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                abort("a worker did not arrive within " + Duration.ofNanos(timeoutNanos).toSeconds() + " s");
                throw new IOException("worker " + rank + ": the others did not arrive within "
                        + Duration.ofNanos(timeoutNanos).toSeconds() + " s");
            } catch (BrokenBarrierException e) {
                throw new IOException("worker " + rank + ": the group failed: "
                        + (failure == null ? "another worker left" : failure));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                abort("worker " + rank + " was interrupted");
                throw new InterruptedIOException("worker " + rank + " interrupted while waiting for the others");
            }
        }
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return group.size;
    }

    @Override
    public void allReduceMean(float[] data, int offset, int length) throws IOException {
        if (offset < 0 || length < 0 || offset > data.length - length) {
            throw new IndexOutOfBoundsException("range [" + offset + ", " + offset + "+" + length + ") of an array of "
                    + data.length);
        }
        Group g = group;
        int n = g.size;
        g.arrays[rank] = data;
        g.offsets[rank] = offset;
        g.lengths[rank] = length;
        g.await(rank);
        if (g.lengthsDiffer) {
            throw new IOException("worker " + rank + ": the workers passed different lengths to one all-reduce");
        }
        int from = (int) ((long) length * rank / n);
        int to = (int) ((long) length * (rank + 1) / n);
        float[] means = g.means;
        for (int i = from; i < to; i++) {
            float sum = g.arrays[0][g.offsets[0] + i];
            for (int q = 1; q < n; q++) {
                sum += g.arrays[q][g.offsets[q] + i];
            }
            means[i] = sum / n;
        }
        g.await(rank);
        System.arraycopy(means, 0, data, offset, length);
    }

    @Override
    public void close() {
    }
}
