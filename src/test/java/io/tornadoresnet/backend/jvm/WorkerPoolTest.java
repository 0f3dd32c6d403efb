package io.tornadoresnet.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class WorkerPoolTest {

    @Test
    void everyIndexRunsOnceInStaticRanges() {
        try (WorkerPool pool = new WorkerPool(3)) {
            for (int count : new int[] {1, 2, 3, 4, 10, 128, 1001}) {
                int[] hits = new int[count];
                int[] owner = new int[count];
                pool.parallelFor(count, (from, to, worker) -> {
                    for (int i = from; i < to; i++) {
                        hits[i]++;
                        owner[i] = worker;
                    }
                });
                for (int i = 0; i < count; i++) {
                    assertEquals(1, hits[i], "index " + i + " of " + count);
                    int expected = 0;
                    while (WorkerPool.rangeStart(count, 3, expected + 1) <= i) {
                        expected++;
                    }
                    assertEquals(expected, owner[i], "owner of index " + i + " of " + count);
                }
            }
        }
    }

    @Test
    void rangesAreContiguousAndBalanced() {
        assertEquals(0, WorkerPool.rangeStart(10, 4, 0));
        assertEquals(3, WorkerPool.rangeStart(10, 4, 1));
        assertEquals(6, WorkerPool.rangeStart(10, 4, 2));
        assertEquals(8, WorkerPool.rangeStart(10, 4, 3));
        assertEquals(10, WorkerPool.rangeStart(10, 4, 4));
        assertEquals(1, WorkerPool.rangeStart(1, 2, 1));
    }

    @Test
    void callerIsWorkerZeroAndOthersAreDaemons() {
        try (WorkerPool pool = new WorkerPool(3)) {
            Thread[] seen = poolThreads(pool);
            assertSame(Thread.currentThread(), seen[0]);
            assertTrue(seen[1].isDaemon() && seen[2].isDaemon());
            assertEquals(3, pool.parallelism());
        }
    }

    @Test
    void theCallerRunsTheRangesOfWorkersThatDoNotStart() {
        try (WorkerPool pool = new WorkerPool(3, false)) {
            int[] owner = new int[7];
            Thread[] seen = new Thread[3];
            pool.parallelFor(7, (from, to, worker) -> {
                seen[worker] = Thread.currentThread();
                for (int i = from; i < to; i++) {
                    owner[i] = worker;
                }
            });
            assertArrayEquals(new int[] {0, 0, 0, 1, 1, 2, 2}, owner);
            assertArrayEquals(new Thread[] {Thread.currentThread(), Thread.currentThread(), Thread.currentThread()}, seen);
        }
    }

    @Test
    void manyShortCallsAllComplete() {
        try (WorkerPool pool = new WorkerPool(2)) {
            long[] sums = new long[2];
            AtomicInteger calls = new AtomicInteger();
            for (int call = 0; call < 20_000; call++) {
                pool.parallelFor(2 + call % 5, (from, to, worker) -> {
                    for (int i = from; i < to; i++) {
                        sums[worker] += i;
                    }
                    calls.incrementAndGet();
                });
            }
            long expected = 0;
            for (int call = 0; call < 20_000; call++) {
                int count = 2 + call % 5;
                expected += (long) count * (count - 1) / 2;
            }
            assertEquals(expected, sums[0] + sums[1]);
            assertEquals(40_000, calls.get());
        }
    }

    @Test
    void balancedLoopsRunEveryIndexOnceOnTheWorkersThreads() {
        try (WorkerPool pool = new WorkerPool(3)) {
            Thread[] threads = poolThreads(pool);
            for (int count : new int[] {1, 2, 3, 4, 10, 24, 25, 128, 1001}) {
                AtomicInteger[] hits = new AtomicInteger[count];
                for (int i = 0; i < count; i++) {
                    hits[i] = new AtomicInteger();
                }
                AtomicInteger wrongThread = new AtomicInteger();
                pool.parallelForBalanced(count, (from, to, worker) -> {
                    if (threads[worker] != Thread.currentThread()) {
                        wrongThread.incrementAndGet();
                    }
                    for (int i = from; i < to; i++) {
                        hits[i].incrementAndGet();
                    }
                });
                for (int i = 0; i < count; i++) {
                    assertEquals(1, hits[i].get(), "index " + i + " of " + count);
                }
                assertEquals(0, wrongThread.get(), "ranges run with another worker's index, count " + count);
            }
        }
    }

    @Test
    void aWorkerThatIsFreeTakesTheChunksOfOneThatIsBusy() throws InterruptedException {
        try (WorkerPool pool = new WorkerPool(2)) {
            poolThreads(pool);
            int count = 64;
            int[] runBy = new int[count];
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger held = new AtomicInteger();
            AtomicInteger done = new AtomicInteger();
            // Worker 1 stalls in its first chunk until the caller has run every other one (unless the caller
            // already has: it may finish them all between worker 1's claim and this check).
            pool.parallelForBalanced(count, (from, to, worker) -> {
                if (worker == 1 && held.compareAndSet(0, to - from) && done.get() + held.get() < count) {
                    try {
                        assertTrue(release.await(10, TimeUnit.SECONDS), "the caller never ran the other chunks");
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }
                for (int i = from; i < to; i++) {
                    runBy[i] = worker;
                }
                int total = done.addAndGet(to - from);
                if (worker == 0 && held.get() > 0 && total + held.get() == count) {
                    release.countDown();
                }
            });
            long byWorker1 = java.util.Arrays.stream(runBy).filter(w -> w == 1).count();
            assertTrue(byWorker1 < count / 2, "worker 1 ran " + byWorker1 + " of " + count);
            assertEquals(count, done.get());
        }
    }

    @Test
    void balancedAndStaticLoopsInterleave() {
        try (WorkerPool pool = new WorkerPool(2)) {
            AtomicInteger sum = new AtomicInteger();
            int expected = 0;
            for (int call = 0; call < 20_000; call++) {
                int count = 1 + call % 37;
                WorkerPool.RangeTask task = (from, to, worker) -> {
                    for (int i = from; i < to; i++) {
                        sum.addAndGet(i);
                    }
                };
                if (call % 3 == 0) {
                    pool.parallelFor(count, task);
                } else {
                    pool.parallelForBalanced(count, task);
                }
                expected += count * (count - 1) / 2;
            }
            assertEquals(expected, sum.get());
        }
    }

    @Test
    void balancedLoopsRunOnTheCallerAloneWhenNoWorkerStarts() {
        try (WorkerPool pool = new WorkerPool(3, false)) {
            int[] owner = new int[50];
            java.util.Arrays.fill(owner, -1);
            pool.parallelForBalanced(50, (from, to, worker) -> {
                for (int i = from; i < to; i++) {
                    owner[i] = worker;
                }
            });
            assertArrayEquals(new int[50], owner);
        }
    }

    @Test
    void balancedLoopsPassExceptionsOn() {
        try (WorkerPool pool = new WorkerPool(2)) {
            assertThrows(ArithmeticException.class, () -> pool.parallelForBalanced(100, (from, to, worker) -> {
                if (from <= 50 && 50 < to) {
                    throw new ArithmeticException("index 50");
                }
            }));
            int[] hits = new int[100];
            pool.parallelForBalanced(100, (from, to, worker) -> {
                for (int i = from; i < to; i++) {
                    hits[i]++;
                }
            });
            assertEquals(100, java.util.Arrays.stream(hits).sum());
        }
    }

    @Test
    void exceptionsReachTheCallerAndThePoolStaysUsable() {
        try (WorkerPool pool = new WorkerPool(2)) {
            IllegalStateException fromWorker = new IllegalStateException("worker 1 failed");
            Throwable thrown = assertThrows(IllegalStateException.class, () -> pool.parallelFor(4, (from, to, worker) -> {
                if (worker == 1) {
                    throw fromWorker;
                }
            }));
            assertSame(fromWorker, thrown);
            assertThrows(ArithmeticException.class, () -> pool.parallelFor(4, (from, to, worker) -> {
                if (worker == 0) {
                    throw new ArithmeticException("caller failed");
                }
            }));
            assertThrows(AssertionError.class, () -> pool.parallelFor(1, (from, to, worker) -> {
                throw new AssertionError("inline failure");
            }));
            int[] hits = new int[4];
            pool.parallelFor(4, (from, to, worker) -> {
                for (int i = from; i < to; i++) {
                    hits[i]++;
                }
            });
            assertArrayEquals(new int[] {1, 1, 1, 1}, hits);
        }
    }

    @Test
    void nestedCallsAreRejected() {
        try (WorkerPool pool = new WorkerPool(2)) {
            AtomicReference<Throwable> nested = new AtomicReference<>();
            pool.parallelFor(2, (from, to, worker) -> {
                if (worker == 0) {
                    try {
                        pool.parallelFor(2, (a, b, c) -> { });
                    } catch (IllegalStateException e) {
                        nested.set(e);
                    }
                }
            });
            assertTrue(nested.get() instanceof IllegalStateException);
        }
    }

    @Test
    void closeStopsTheThreads() throws InterruptedException {
        WorkerPool pool = new WorkerPool(3);
        Thread[] seen = poolThreads(pool);
        pool.close();
        seen[1].join(1000);
        seen[2].join(1000);
        assertTrue(!seen[1].isAlive() && !seen[2].isAlive());
        assertThrows(IllegalStateException.class, () -> pool.parallelFor(3, (from, to, worker) -> { }));
    }

    @Test
    void steadyStateCallsAllocateNothing() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (WorkerPool pool = new WorkerPool(2)) {
            long[] sums = new long[2];
            WorkerPool.RangeTask task = (from, to, worker) -> {
                for (int i = from; i < to; i++) {
                    sums[worker] += i;
                }
            };
            Thread[] all = poolThreads(pool);
            long[] ids = {all[0].getId(), all[1].getId()};
            for (int i = 0; i < 20_000; i++) {
                pool.parallelFor(64, task);
                pool.parallelForBalanced(64, task);
            }
            // The measurement allocates its result array: calibrate with two back-to-back readings.
            long first = total(threads.getThreadAllocatedBytes(ids));
            long before = total(threads.getThreadAllocatedBytes(ids));
            for (int i = 0; i < 10_000; i++) {
                pool.parallelFor(64, task);
                pool.parallelForBalanced(64, task);
            }
            long after = total(threads.getThreadAllocatedBytes(ids));
            assertEquals(before - first, after - before, "bytes allocated by 20000 calls, beyond the reading");
        }
    }

    /** The thread of each worker: range 0 waits until every other range runs on its own thread. */
    private static Thread[] poolThreads(WorkerPool pool) {
        int p = pool.parallelism();
        Thread[] seen = new Thread[p];
        AtomicInteger started = new AtomicInteger();
        pool.parallelFor(p, (from, to, worker) -> {
            seen[worker] = Thread.currentThread();
            started.incrementAndGet();
            while (worker == 0 && started.get() < p) {
                Thread.onSpinWait();
            }
        });
        return seen;
    }

    private static long total(long[] values) {
        long sum = 0;
        for (long v : values) {
            sum += v;
        }
        return sum;
    }
}
