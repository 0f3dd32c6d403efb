package io.tornadoresnet.distributed;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ring all-reduce between threads of this JVM over loopback TCP. */
class RingCollectiveTest {
    private static final long HANG_GUARD_SECONDS = 120;
    private static final float GUARD = 1234.5f;
    private static final int MARGIN = 3;

    private final ExecutorService workers = Executors.newCachedThreadPool();

    @AfterEach
    void stopWorkers() {
        workers.shutdownNow();
    }

    @FunctionalInterface
    interface WorkerBody<T> {
        T run(int rank) throws Exception;
    }

    /** Runs {@code body} for ranks 0..n-1 at once and returns each rank's result or failure. */
    <T> List<Future<T>> onEveryWorker(int n, WorkerBody<T> body) {
        List<Future<T>> futures = new ArrayList<>();
        for (int rank = 0; rank < n; rank++) {
            int r = rank;
            futures.add(workers.submit(() -> body.run(r)));
        }
        return futures;
    }

    static <T> T result(Future<T> future) throws Exception {
        try {
            return future.get(HANG_GUARD_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw (Exception) e.getCause();
        }
    }

    static Throwable failureOf(Future<?> future) throws Exception {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> future.get(HANG_GUARD_SECONDS, TimeUnit.SECONDS));
        return e.getCause();
    }

    List<RingCollective> openRing(int n, Duration timeout) throws Exception {
        LoopbackRendezvous rendezvous = new LoopbackRendezvous(n);
        List<RingCollective> rings = new ArrayList<>();
        for (Future<RingCollective> opened
                : onEveryWorker(n, rank -> RingCollective.open(rendezvous.forRank(rank), timeout))) {
            rings.add(result(opened));
        }
        return rings;
    }

    @ParameterizedTest(name = "{0} workers")
    @ValueSource(ints = {1, 2, 3, 4, 5})
    void everyWorkerEndsWithTheSameBitsCloseToTheExactMean(int n) throws Exception {
        List<RingCollective> rings = openRing(n, RingCollective.DEFAULT_TIMEOUT);
        try {
            for (int length : new int[] {0, 1, n - 1, 7 * n + 3, 1_000_003}) {
                float[][] inputs = new float[n][];
                for (int rank = 0; rank < n; rank++) {
                    inputs[rank] = randomWithGuards(length, 1000L * length + rank);
                }
                List<float[]> outputs = new ArrayList<>();
                for (Future<float[]> output : onEveryWorker(n, rank -> {
                    float[] data = inputs[rank].clone();
                    rings.get(rank).allReduceMean(data, MARGIN, length);
                    return data;
                })) {
                    outputs.add(result(output));
                }
                for (int rank = 0; rank < n; rank++) {
                    assertEquals(rank, rings.get(rank).rank());
                    assertEquals(n, rings.get(rank).size());
                    assertArrayEquals(outputs.get(0), outputs.get(rank),
                            "worker " + rank + " differs from worker 0 at length " + length);
                }
                assertCloseToTheExactMean(inputs, outputs.get(0), length);
            }
        } finally {
            rings.forEach(RingCollective::close);
        }
    }

    private static float[] randomWithGuards(int length, long seed) {
        Random random = new Random(seed);
        float[] data = new float[length + 2 * MARGIN];
        Arrays.fill(data, GUARD);
        for (int i = 0; i < length; i++) {
            data[MARGIN + i] = (float) (random.nextGaussian() * 10);
        }
        return data;
    }

    private static void assertCloseToTheExactMean(float[][] inputs, float[] output, int length) {
        int n = inputs.length;
        for (int i = 0; i < MARGIN; i++) {
            assertEquals(GUARD, output[i], "element before the range was written");
            assertEquals(GUARD, output[MARGIN + length + i], "element after the range was written");
        }
        for (int i = MARGIN; i < MARGIN + length; i++) {
            double sum = 0;
            double magnitude = 0;
            for (float[] input : inputs) {
                sum += input[i];
                magnitude += Math.abs(input[i]);
            }
            double tolerance = n * Math.ulp((float) magnitude);
            assertEquals(sum / n, output[i], tolerance, "element " + (i - MARGIN) + " of " + length);
        }
    }

    /**
     * 16 MB chunks, more than the kernel's socket buffers hold: two workers that each sent their whole
     * chunk before reading the other's would wait for each other for ever.
     */
    @Test
    void twoWorkersSendingChunksLargerThanTheSocketBuffersAtOnceDoNotDeadlock() throws Exception {
        int length = 8_000_000;
        List<RingCollective> rings = openRing(2, Duration.ofSeconds(30));
        try {
            List<float[]> outputs = new ArrayList<>();
            for (Future<float[]> output : onEveryWorker(2, rank -> {
                float[] data = new float[length];
                Arrays.fill(data, rank == 0 ? 1f : 3f);
                rings.get(rank).allReduceMean(data, 0, length);
                return data;
            })) {
                outputs.add(result(output));
            }
            float[] expected = new float[length];
            Arrays.fill(expected, 2f);
            assertArrayEquals(expected, outputs.get(0));
            assertArrayEquals(expected, outputs.get(1));
        } finally {
            rings.forEach(RingCollective::close);
        }
    }

    @Test
    void aRingIsReusedForCallsOfDifferentLengthsAndOffsets() throws Exception {
        List<RingCollective> rings = openRing(3, RingCollective.DEFAULT_TIMEOUT);
        try {
            List<float[]> outputs = new ArrayList<>();
            for (Future<float[]> output : onEveryWorker(3, rank -> {
                float[] data = new float[20];
                Arrays.fill(data, rank);
                rings.get(rank).allReduceMean(data, 0, 5);
                rings.get(rank).allReduceMean(data, 5, 15);
                return data;
            })) {
                outputs.add(result(output));
            }
            float[] expected = new float[20];
            Arrays.fill(expected, 1f);
            for (float[] output : outputs) {
                assertArrayEquals(expected, output);
            }
        } finally {
            rings.forEach(RingCollective::close);
        }
    }

    @Test
    void workersWhoseCallsDisagreeFailInsteadOfMixingData() throws Exception {
        List<RingCollective> rings = openRing(2, RingCollective.DEFAULT_TIMEOUT);
        try {
            List<Future<Void>> calls = onEveryWorker(2, rank -> {
                rings.get(rank).allReduceMean(new float[11], 0, 10 + rank);
                return null;
            });
            for (Future<Void> call : calls) {
                Throwable failure = failureOf(call);
                assertInstanceOf(IOException.class, failure);
                assertTrue(failure.getMessage().contains("the workers' calls disagree"), failure.getMessage());
            }
            IOException again = assertThrows(IOException.class, () -> rings.get(0).allReduceMean(new float[1], 0, 1));
            assertTrue(again.getMessage().startsWith("the ring collective failed earlier: "), again.getMessage());
        } finally {
            rings.forEach(RingCollective::close);
        }
    }

    @Test
    void aWorkerThatStopsTakingPartMakesTheOthersFailAfterTheTimeout() throws Exception {
        List<RingCollective> rings = openRing(3, Duration.ofSeconds(1));
        try {
            List<Future<Void>> calls = onEveryWorker(2, rank -> {
                rings.get(rank).allReduceMean(new float[1000], 0, 1000);
                return null;
            });
            Throwable first = failureOf(calls.get(0));
            assertInstanceOf(IOException.class, first);
            assertTrue(first.getMessage().matches(
                    "worker 0 of 3: worker 2 at [^ ]+:\\d+ sent nothing for 1 s"), first.getMessage());
            Throwable second = failureOf(calls.get(1));
            assertInstanceOf(IOException.class, second);
            assertTrue(second.getMessage().matches("worker 1 of 3: worker [02] at [^ ]+:\\d+ .+"), second.getMessage());
        } finally {
            rings.forEach(RingCollective::close);
        }
    }

    @Test
    void aConnectionFromSomethingElseThanThePreviousWorkerIsRefused() throws Exception {
        try (ServerSocketChannel impostorServer = ServerSocketChannel.open()) {
            impostorServer.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            CompletableFuture<InetSocketAddress> workerAddress = new CompletableFuture<>();
            Rendezvous secondOfTwo = new Rendezvous() {
                @Override
                public int rank() {
                    return 1;
                }

                @Override
                public int size() {
                    return 2;
                }

                @Override
                public InetSocketAddress bindAddress() {
                    return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
                }

                @Override
                public List<InetSocketAddress> exchange(InetSocketAddress listening) throws IOException {
                    workerAddress.complete(listening);
                    return List.of((InetSocketAddress) impostorServer.getLocalAddress(), listening);
                }
            };
            Future<RingCollective> opening =
                    workers.submit(() -> RingCollective.open(secondOfTwo, Duration.ofSeconds(30)));
            try (SocketChannel impostor = SocketChannel.open(workerAddress.get(HANG_GUARD_SECONDS, TimeUnit.SECONDS))) {
                impostor.write(ByteBuffer.wrap("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII)));
                Throwable failure = failureOf(opening);
                assertInstanceOf(IOException.class, failure);
                assertEquals("worker 1 of 2 expected worker 0 to connect, but the connection came from something "
                        + "that is not a ring worker", failure.getMessage());
            }
        }
    }

    @Test
    void aWorkerThatGivesUpTellsTheNextOneWhy() throws Exception {
        List<RingCollective> rings = openRing(3, Duration.ofSeconds(30));
        try {
            List<Future<Void>> calls = onEveryWorker(3, rank -> {
                if (rank == 1) {
                    rings.get(rank).abort("ran out of\ndata");
                } else {
                    rings.get(rank).allReduceMean(new float[100], 0, 100);
                }
                return null;
            });
            assertEquals(null, result(calls.get(1)));
            Throwable next = failureOf(calls.get(2));
            assertInstanceOf(IOException.class, next);
            assertTrue(next.getMessage().matches("worker 2 of 3: worker 1 at [^ ]+:\\d+ gave up: ran out of data"),
                    next.getMessage());
            assertInstanceOf(IOException.class, failureOf(calls.get(0)));
            IOException again = assertThrows(IOException.class, () -> rings.get(1).allReduceMean(new float[1], 0, 1));
            assertEquals("the ring collective failed earlier: it gave up: ran out of\ndata", again.getMessage());
        } finally {
            rings.forEach(RingCollective::close);
        }
    }

    @Test
    void aPeerThatNeverListensFailsTheConnectAfterTheTimeout() throws Exception {
        int port;
        try (ServerSocketChannel probe = ServerSocketChannel.open()) {
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            port = ((InetSocketAddress) probe.getLocalAddress()).getPort();
        }
        List<InetSocketAddress> peers = List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                InetSocketAddress.createUnresolved("127.0.0.1", port));
        Rendezvous first = new StaticRendezvous(0, peers);
        IOException e = assertThrows(IOException.class, () -> RingCollective.open(first, Duration.ofSeconds(1)));
        assertEquals("worker 0 could not connect to worker 1 at 127.0.0.1:" + port + " within 1 s (Connection refused)",
                e.getMessage());
    }

    @Test
    void anUnknownHostIsNamed() {
        List<InetSocketAddress> peers = List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                InetSocketAddress.createUnresolved("no-such-host.invalid", 7070));
        Rendezvous first = new StaticRendezvous(0, peers);
        IOException e = assertThrows(IOException.class, () -> RingCollective.open(first, Duration.ofSeconds(5)));
        assertEquals("worker 0 could not resolve the host of worker 1, no-such-host.invalid:7070", e.getMessage());
    }

    @Test
    void aClosedCollectiveRefusesFurtherCalls() throws Exception {
        RingCollective single = openRing(1, RingCollective.DEFAULT_TIMEOUT).get(0);
        single.close();
        IOException e = assertThrows(IOException.class, () -> single.allReduceMean(new float[1], 0, 1));
        assertEquals("the ring collective failed earlier: it was closed", e.getMessage());
    }

    @Test
    void aRangeOutsideTheArrayIsRejected() throws Exception {
        RingCollective single = openRing(1, RingCollective.DEFAULT_TIMEOUT).get(0);
        try {
            assertThrows(IndexOutOfBoundsException.class, () -> single.allReduceMean(new float[4], 2, 3));
        } finally {
            single.close();
        }
    }
}
