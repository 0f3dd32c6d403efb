package io.tornadoresnet.distributed;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ring workers in separate JVMs ({@link RingAllReduceCheck}), as they run on separate machines. */
class RingWorkerProcessTest {
    private static final long HANG_GUARD_SECONDS = 120;
    private static final Pattern HASH = Pattern.compile("\"result_hash\":(-?\\d+)");

    @Test
    void workersInSeparateJvmsEndWithTheBitsOfARingInOneJvm(@TempDir Path dir) throws Exception {
        int n = 3;
        int floats = 100_003;
        String peers = loopbackPeers(n);
        List<Process> processes = new ArrayList<>();
        for (int rank = 0; rank < n; rank++) {
            processes.add(startWorker(dir, rank, peers, floats, 2));
        }
        List<Integer> hashes = new ArrayList<>();
        for (int rank = 0; rank < n; rank++) {
            assertEquals(0, finish(processes.get(rank)), log(dir, rank));
            Matcher hash = HASH.matcher(Files.readString(dir.resolve(rank + ".out")));
            assertTrue(hash.find(), log(dir, rank));
            hashes.add(Integer.parseInt(hash.group(1)));
        }
        assertEquals(List.of(hashes.get(0), hashes.get(0), hashes.get(0)), hashes);
        assertEquals(inOneJvm(n, floats), hashes.get(0));
    }

    /** The same all-reduce between threads; the values are multiples of 1/64, so their sums are exact. */
    private static int inOneJvm(int n, int floats) throws Exception {
        LoopbackRendezvous rendezvous = new LoopbackRendezvous(n);
        ExecutorService threads = Executors.newFixedThreadPool(n);
        try {
            List<Future<float[]>> results = new ArrayList<>();
            for (int rank = 0; rank < n; rank++) {
                int r = rank;
                results.add(threads.submit(() -> {
                    Rendezvous self = rendezvous.forRank(r);
                    try (RingCollective ring = RingCollective.open(self, RingCollective.DEFAULT_TIMEOUT)) {
                        float[] data = new float[floats];
                        RingAllReduceCheck.fill(data, r);
                        ring.allReduceMean(data, 0, floats);
                        return data;
                    }
                }));
            }
            float[][] inputs = new float[n][floats];
            for (int rank = 0; rank < n; rank++) {
                RingAllReduceCheck.fill(inputs[rank], rank);
            }
            float[] mean = results.get(0).get(HANG_GUARD_SECONDS, TimeUnit.SECONDS);
            for (int i = 0; i < floats; i++) {
                float sum = 0;
                for (float[] input : inputs) {
                    sum += input[i];
                }
                assertEquals(sum / n, mean[i], "element " + i);
            }
            return RingAllReduceCheck.hash(mean);
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void killingAWorkerJvmMakesEveryOtherWorkerFailNamingAPeer(@TempDir Path dir) throws Exception {
        int n = 3;
        int floats = 200_000;
        String peers = loopbackPeers(n);
        Process victim = startWorker(dir, 2, peers, floats, 1_000_000);
        ExecutorService threads = Executors.newFixedThreadPool(2);
        AtomicIntegerArray calls = new AtomicIntegerArray(2);
        try {
            List<Future<Void>> survivors = new ArrayList<>();
            for (int rank = 0; rank < 2; rank++) {
                int r = rank;
                survivors.add(threads.submit(() -> {
                    Rendezvous self = StaticRendezvous.parse(r, peers);
                    try (RingCollective ring = RingCollective.open(self, Duration.ofSeconds(30))) {
                        float[] data = new float[floats];
                        while (true) {
                            RingAllReduceCheck.fill(data, r);
                            ring.allReduceMean(data, 0, floats);
                            calls.incrementAndGet(r);
                        }
                    }
                }));
            }
            while (calls.get(0) < 3 || calls.get(1) < 3) {
                assertTrue(victim.isAlive(), log(dir, 2));
                assertTrue(!survivors.get(0).isDone() && !survivors.get(1).isDone(),
                        "a worker stopped before the kill");
                Thread.sleep(10);
            }
            victim.destroyForcibly();
            for (int rank = 0; rank < 2; rank++) {
                int r = rank;
                ExecutionException failed = assertThrows(ExecutionException.class,
                        () -> survivors.get(r).get(HANG_GUARD_SECONDS, TimeUnit.SECONDS));
                assertInstanceOf(IOException.class, failed.getCause());
                String message = failed.getCause().getMessage();
                assertTrue(message.matches("worker [01] of 3: worker [0-2] at 127\\.0\\.0\\.1:\\d+ .+"), message);
            }
        } finally {
            threads.shutdownNow();
            victim.destroyForcibly();
        }
    }

    /** n free loopback ports, chosen by the kernel and released just before the workers bind them. */
    private static String loopbackPeers(int n) throws IOException {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            StringBuilder peers = new StringBuilder();
            for (int i = 0; i < n; i++) {
                ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                sockets.add(socket);
                peers.append(i == 0 ? "" : ",").append("127.0.0.1:").append(socket.getLocalPort());
            }
            return peers.toString();
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }

    private static Process startWorker(Path dir, int rank, String peers, int floats, int calls) throws IOException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return new ProcessBuilder(java.toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                RingAllReduceCheck.class.getName(), "--rank", String.valueOf(rank), "--peers", peers,
                "--floats", String.valueOf(floats), "--calls", String.valueOf(calls), "--timeout", "30")
                .redirectOutput(dir.resolve(rank + ".out").toFile())
                .redirectError(dir.resolve(rank + ".err").toFile())
                .start();
    }

    private static int finish(Process process) throws InterruptedException {
        if (!process.waitFor(HANG_GUARD_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return -1;
        }
        return process.exitValue();
    }

    private static String log(Path dir, int rank) {
        try {
            return "worker " + rank + ": " + Files.readString(dir.resolve(rank + ".out"))
                    + Files.readString(dir.resolve(rank + ".err"));
        } catch (IOException e) {
            return "worker " + rank + ": no log (" + e.getMessage() + ")";
        }
    }
}
