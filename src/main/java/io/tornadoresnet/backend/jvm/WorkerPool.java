package io.tornadoresnet.backend.jvm;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of threads that split loops into static ranges: range {@code w} of a loop of a given
 * length is always the same and always runs with worker index {@code w}, so anything a task keeps per
 * worker (workspaces, partial sums added up in worker order) gives bit-identical results for a given
 * parallelism. The calling thread is worker 0; the others are daemon threads.
 *
 * <p>A training step makes about a hundred calls of a few hundred microseconds each, so a call
 * allocates nothing and idle threads spin briefly before they park. When the caller has finished its
 * own range and a worker has not yet started its range (descheduled on a busy machine, or still
 * waking up), the caller claims and runs that range itself, with that worker's index; a range is run
 * exactly once either way.
 *
 * <p>Where the result of an index does not depend on the worker that runs it (the worker's index only
 * picks its scratch space), {@link #parallelForBalanced} hands out small chunks of the loop to whichever
 * worker is free, so that a core slowed down by the rest of the machine takes fewer of them.
 *
 * <p>One caller at a time: {@link #parallelFor} is neither reentrant nor meant for concurrent callers.
 */
public final class WorkerPool implements AutoCloseable {

    /** One worker's share of a loop: the indices {@code [from, to)}, run as worker {@code worker}. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int from, int to, int worker);
    }

    /** How long an idle thread spins before it parks; about the gap between two kernels of a step. */
    private static final long SPIN_NANOS = 50_000;
    /** Chunks per worker of a balanced loop: a chunk left over at the end costs about 1/8 of an even share. */
    private static final int CHUNKS_PER_WORKER = 8;
    /** In the low half of {@link #job}: the job is balanced; the bits below it count the active workers. */
    private static final int BALANCED = 1 << 30;

    private final int parallelism;
    private final Thread[] threads;
    private final AtomicBoolean busy = new AtomicBoolean();
    /** Per worker: the last job generation whose range has been claimed, by the worker or the caller. */
    private final AtomicIntegerArray claims;
    private final AtomicInteger pending = new AtomicInteger();
    /**
     * A balanced job's generation (high half) and how many of its chunks are still to hand out (low half):
     * a claim checks both in one atomic value, never the {@link #chunks} field, which the next job rewrites.
     */
    private final AtomicLong unclaimed = new AtomicLong();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    // The current job. task and count are published by the volatile write of job, which packs the
    // generation (high half) with the number of non-empty ranges (low half) so both read as one.
    private RangeTask task;
    private int count;
    private int chunks;
    private int generation;
    private volatile long job;
    private volatile boolean closed;
    private volatile Thread waiter;

    /** A pool of {@code parallelism} workers: the caller and {@code parallelism - 1} daemon threads. */
    public WorkerPool(int parallelism) {
        this(parallelism, true);
    }

    /** With {@code startThreads} false the caller ends up running every range: a test of that path. */
    WorkerPool(int parallelism, boolean startThreads) {
        if (parallelism <= 0) {
            throw new IllegalArgumentException("parallelism must be positive, got " + parallelism);
        }
        this.parallelism = parallelism;
        this.claims = new AtomicIntegerArray(parallelism);
        this.threads = new Thread[parallelism];
        for (int w = 1; w < parallelism; w++) {
            int worker = w;
            Thread t = new Thread(() -> workLoop(worker), "tornado-resnet-worker-" + worker);
            t.setDaemon(true);
            threads[w] = t;
            if (startThreads) {
                t.start();
            }
        }
    }

    /** One worker per available processor. */
    public WorkerPool() {
        this(Runtime.getRuntime().availableProcessors());
    }

    /** The number of workers, the calling thread included. */
    public int parallelism() {
        return parallelism;
    }

    /** First index of range {@code part} when {@code count} indices are split into {@code parts} ranges. */
    public static int rangeStart(int count, int parts, int part) {
        int quotient = count / parts;
        int remainder = count % parts;
        return part * quotient + Math.min(part, remainder);
    }

    /**
     * Runs {@code task} over {@code [0, count)}, split into {@link #parallelism()} contiguous ranges
     * ({@link #rangeStart}); empty ranges are not run. Returns when every range is done; the first
     * exception thrown by any range is rethrown here.
     */
    public void parallelFor(int count, RangeTask task) {
        forEachRange(count, task, false);
    }

    /**
     * As {@link #parallelFor}, but the loop is cut into about {@value #CHUNKS_PER_WORKER} chunks per worker,
     * each run by the first worker free to take it: {@code task} is called with any number of ranges per
     * worker, in no set order, and must give each index the same result whichever worker runs it (partial
     * sums kept per worker would depend on the timing).
     */
    public void parallelForBalanced(int count, RangeTask task) {
        forEachRange(count, task, true);
    }

    private void forEachRange(int count, RangeTask task, boolean balanced) {
        if (count <= 0) {
            return;
        }
        if (closed) {
            throw new IllegalStateException("worker pool is closed");
        }
        if (!busy.compareAndSet(false, true)) {
            throw new IllegalStateException("parallelFor is not reentrant and takes one caller at a time");
        }
        try {
            if (parallelism == 1 || count == 1) {
                task.run(0, count, 0);
                return;
            }
            int active = Math.min(parallelism, count);
            this.task = task;
            this.count = count;
            int g = ++generation;
            if (balanced) {
                chunks = Math.min(count, parallelism * CHUNKS_PER_WORKER);
                pending.set(chunks);
                unclaimed.set(((long) g << 32) | chunks);
                job = ((long) g << 32) | BALANCED | active;
            } else {
                pending.set(active - 1);
                job = ((long) g << 32) | active;
            }
            for (int w = 1; w < active; w++) {
                LockSupport.unpark(threads[w]);
            }
            if (balanced) {
                runChunks(g, 0);
            } else {
                runRange(task, count, 0);
                for (int w = 1; w < active; w++) {
                    if (claim(w, g)) {
                        runRange(task, count, w);
                        pending.decrementAndGet();
                    }
                }
            }
            awaitWorkers();
            this.task = null;
            Throwable t = failure.getAndSet(null);
            if (t instanceof RuntimeException e) {
                throw e;
            }
            if (t instanceof Error e) {
                throw e;
            }
            if (t != null) {
                throw new IllegalStateException("a range failed", t);
            }
        } finally {
            busy.set(false);
        }
    }

    /** Claims range {@code worker} of job {@code g}, unless it was claimed already; generations wrap. */
    private boolean claim(int worker, int g) {
        int previous = claims.get(worker);
        return previous - g < 0 && claims.compareAndSet(worker, previous, g);
    }

    private void runRange(RangeTask task, int count, int worker) {
        runCatching(task, rangeStart(count, parallelism, worker), rangeStart(count, parallelism, worker + 1), worker);
    }

    /** Runs one range, keeping the first exception of the job for the caller. */
    private void runCatching(RangeTask task, int from, int to, int worker) {
        try {
            task.run(from, to, worker);
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }

    /**
     * Takes chunks of balanced job {@code g} until none is left. The generation in {@link #unclaimed} makes
     * a late worker's claim on a finished job fail; once a chunk is claimed, job g cannot finish before the
     * chunk does, so its task, count and chunks stay put.
     */
    private void runChunks(int g, int worker) {
        while (true) {
            long left = unclaimed.get();
            int remaining = (int) left;
            if ((int) (left >>> 32) != g || remaining == 0) {
                return;
            }
            if (unclaimed.compareAndSet(left, left - 1)) {
                int chunk = chunks - remaining;
                runCatching(task, rangeStart(count, chunks, chunk), rangeStart(count, chunks, chunk + 1), worker);
                finishedOne();
            }
        }
    }

    /** Counts down a range or chunk of the current job, waking the caller after the last one. */
    private void finishedOne() {
        if (pending.decrementAndGet() == 0) {
            Thread w = waiter;
            if (w != null) {
                LockSupport.unpark(w);
            }
        }
    }

    private void awaitWorkers() {
        long start = System.nanoTime();
        while (pending.get() > 0) {
            if (System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                waiter = Thread.currentThread();
                if (pending.get() > 0) {
                    LockSupport.park(this);
                }
                waiter = null;
            }
        }
    }

    private void workLoop(int worker) {
        int seen = 0;
        while (true) {
            long current = awaitJob(seen);
            if (closed) {
                return;
            }
            int g = (int) (current >>> 32);
            int active = (int) current & (BALANCED - 1);
            seen = g;
            if (worker >= active) {
                continue;
            }
            if (((int) current & BALANCED) != 0) {
                runChunks(g, worker);
            } else if (claim(worker, g)) {
                // Once claimed, job g cannot finish before this range does, so task and count stay put.
                runRange(task, count, worker);
                finishedOne();
            }
        }
    }

    private long awaitJob(int seen) {
        long start = System.nanoTime();
        long current;
        while ((int) ((current = job) >>> 32) == seen && !closed) {
            if (System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                LockSupport.park(this);
            }
        }
        return current;
    }

    /** Stops the daemon threads and waits for them. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int w = 1; w < parallelism; w++) {
            LockSupport.unpark(threads[w]);
        }
        for (int w = 1; w < parallelism; w++) {
            try {
                threads[w].join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
