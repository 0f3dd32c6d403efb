package io.tornadoresnet.distributed;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InMemoryCollectiveTest {

    /** What worker r does with its collective; returns its data afterwards. */
    private interface Work {
        float[] run(Collective c) throws IOException;
    }

    private static List<Future<float[]>> start(InMemoryCollective.Group group, int n, Work work, ExecutorService pool) {
        List<Future<float[]>> futures = new ArrayList<>();
        for (int r = 0; r < n; r++) {
            Collective c = group.member(r);
            futures.add(pool.submit(() -> work.run(c)));
        }
        return futures;
    }

    @Test
    void everyWorkerGetsTheMeanSummedInRankOrderForOneToFiveWorkers() throws Exception {
        ExecutorService pool = Executors.newCachedThreadPool();
        try {
            for (int n = 1; n <= 5; n++) {
                for (int length : new int[] {0, 1, n - 1, 7, 1001}) {
                    float[][] inputs = new float[n][];
                    Random random = new Random(n * 31L + length);
                    for (int r = 0; r < n; r++) {
                        inputs[r] = new float[length + 3];
                        for (int i = 0; i < inputs[r].length; i++) {
                            inputs[r][i] = (float) random.nextGaussian() * 1000;
                        }
                    }
                    float[] expected = new float[length];
                    for (int i = 0; i < length; i++) {
                        float sum = inputs[0][i + 2];
                        for (int r = 1; r < n; r++) {
                            sum += inputs[r][i + 2];
                        }
                        expected[i] = sum / n;
                    }
                    InMemoryCollective.Group group = new InMemoryCollective.Group(n, Duration.ofSeconds(30));
                    int len = length;
                    List<Future<float[]>> done = start(group, n, c -> {
                        float[] mine = inputs[c.rank()].clone();
                        c.allReduceMean(mine, 2, len);
                        return mine;
                    }, pool);
                    for (int r = 0; r < n; r++) {
                        float[] got = done.get(r).get();
                        assertArrayEquals(expected, java.util.Arrays.copyOfRange(got, 2, 2 + length),
                                n + " workers, length " + length + ", rank " + r);
                        assertEquals(inputs[r][0], got[0], "outside the range nothing changes");
                        assertEquals(inputs[r][length + 2], got[length + 2]);
                    }
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void manyCallsInARowStayInStep() throws Exception {
        ExecutorService pool = Executors.newCachedThreadPool();
        try {
            InMemoryCollective.Group group = new InMemoryCollective.Group(3, Duration.ofSeconds(30));
            List<Future<float[]>> done = start(group, 3, c -> {
                float[] x = new float[5];
                for (int call = 0; call < 200; call++) {
                    java.util.Arrays.fill(x, c.rank() + call);
                    c.allReduceMean(x, 0, call % 2 == 0 ? 5 : 3);
                }
                return x;
            }, pool);
            for (int r = 0; r < 3; r++) {
                assertArrayEquals(new float[] {200, 200, 200, r + 199, r + 199}, done.get(r).get(),
                        "the last call averaged the first 3 of 199 + rank");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aWorkerThatNeverArrivesFailsTheOthersWithinTheTimeout() throws Exception {
        ExecutorService pool = Executors.newCachedThreadPool();
        try {
            InMemoryCollective.Group group = new InMemoryCollective.Group(3, Duration.ofMillis(300));
            List<Future<float[]>> done = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                Collective c = group.member(r);
                done.add(pool.submit(() -> {
                    c.allReduceMean(new float[4], 0, 4);
                    return null;
                }));
            }
            for (Future<float[]> f : done) {
                ExecutionException e = assertThrows(ExecutionException.class, f::get);
                assertInstanceOf(IOException.class, e.getCause());
            }
            IOException later = assertThrows(IOException.class,
                    () -> group.member(2).allReduceMean(new float[4], 0, 4));
            assertTrue(later.getMessage().contains("did not arrive"), later.getMessage());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anAbortReleasesTheWaitingWorkersAtOnceWithItsReason() throws Exception {
        ExecutorService pool = Executors.newCachedThreadPool();
        try {
            InMemoryCollective.Group group = new InMemoryCollective.Group(2, Duration.ofHours(1));
            Collective waiting = group.member(0);
            Future<float[]> f = pool.submit(() -> {
                waiting.allReduceMean(new float[4], 0, 4);
                return null;
            });
            while (!group.hasWaiting()) {
                Thread.onSpinWait();
            }
            group.abort("worker 1 failed: out of memory");
            ExecutionException e = assertThrows(ExecutionException.class, f::get);
            assertTrue(e.getCause().getMessage().contains("worker 1 failed: out of memory"), e.getCause().getMessage());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void workersThatDisagreeOnTheLengthAllFail() throws Exception {
        ExecutorService pool = Executors.newCachedThreadPool();
        try {
            InMemoryCollective.Group group = new InMemoryCollective.Group(2, Duration.ofSeconds(30));
            List<Future<float[]>> done = start(group, 2, c -> {
                c.allReduceMean(new float[8], 0, 4 + c.rank());
                return null;
            }, pool);
            for (Future<float[]> f : done) {
                ExecutionException e = assertThrows(ExecutionException.class, f::get);
                assertTrue(e.getCause().getMessage().contains("different lengths"), e.getCause().getMessage());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
