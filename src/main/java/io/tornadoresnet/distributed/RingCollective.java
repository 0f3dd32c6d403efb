package io.tornadoresnet.distributed;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Ring all-reduce over TCP: every worker connects to the next one (rank + 1 mod N) and accepts the
 * previous one. A call splits the data into N chunks and runs N-1 reduce-scatter steps, after which
 * each worker holds the sum of one chunk and divides it by N, then N-1 all-gather steps that copy the
 * finished chunks around the ring. Each chunk's mean is computed on exactly one worker, so every worker
 * ends with the same bits. Each worker sends and receives 2(N-1)/N of the data, whatever N is.
 *
 * <p>A step sends one chunk to the next worker while it receives another from the previous one, on
 * non-blocking channels driven by one selector: two neighbours sending large chunks to each other at
 * once cannot deadlock, and no step waits longer than the timeout without progress. Data moves through
 * two 1 MiB direct buffers, a segment at a time: the next segment is copied in, or the last one added
 * up, while the kernel moves the bytes before it, and memory stays small however large the tensors
 * are. On any failure the
 * collective closes its connections, so that its neighbours fail at once too and the failure travels
 * around the ring; the collective is unusable afterwards.
 *
 * <p>The timeout bounds how long a worker waits for a silent peer, so it must exceed the longest time
 * one worker can spend computing while another already waits in a call. A collective serves one
 * thread: its calls must not overlap.
 */
public final class RingCollective implements Collective {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private static final int HANDSHAKE_MAGIC = 0x52494e47;
    /** In place of a message's length: the sender gave up, and its reason follows. */
    private static final int ABORT_MARK = -1;
    private static final int MAX_REASON_BYTES = 1000;
    /** The unit in which data is staged for sending and taken in after receiving. */
    private static final int SEGMENT_BYTES = 1 << 20;
    private static final long CONNECT_RETRY_MILLIS = 50;

    private final int rank;
    private final int size;
    private final List<InetSocketAddress> peers;
    private final long timeoutMillis;
    private final SocketChannel toNext;
    private final SocketChannel fromPrevious;
    private final Selector selector;
    private final SelectionKey sendKey;
    private final SelectionKey receiveKey;
    private final Outgoing outgoing;
    private final Incoming incoming;
    private String failure;

    private RingCollective(int rank, List<InetSocketAddress> peers, long timeoutMillis, SocketChannel toNext,
                           SocketChannel fromPrevious, Selector selector) throws IOException {
        this.rank = rank;
        this.size = peers.size();
        this.peers = peers;
        this.timeoutMillis = timeoutMillis;
        this.toNext = toNext;
        this.fromPrevious = fromPrevious;
        this.selector = selector;
        if (selector == null) {
            sendKey = null;
            receiveKey = null;
            outgoing = null;
            incoming = null;
        } else {
            sendKey = toNext.register(selector, 0);
            receiveKey = fromPrevious.register(selector, 0);
            outgoing = new Outgoing();
            incoming = new Incoming();
        }
    }

    /**
     * Joins the ring: listens where the rendezvous says, publishes that address, connects to the next
     * worker and accepts the previous one. Returns once both connections stand.
     *
     * @param timeout how long any connect, accept or transfer may go without progress before the
     *                collective fails
     * @throws IOException when a neighbour cannot be reached or does not connect within the timeout
     */
    public static RingCollective open(Rendezvous rendezvous, Duration timeout) throws IOException {
        long timeoutMillis = timeout.toMillis();
        if (timeoutMillis <= 0) {
            throw new IllegalArgumentException("the timeout must be positive, not " + timeout);
        }
        int rank = rendezvous.rank();
        int size = rendezvous.size();
        if (size == 1) {
            return new RingCollective(rank, List.of(rendezvous.bindAddress()), timeoutMillis, null, null, null);
        }
        SocketChannel toNext = null;
        SocketChannel fromPrevious = null;
        Selector selector = null;
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(rendezvous.bindAddress());
            List<InetSocketAddress> peers = List.copyOf(
                    rendezvous.exchange((InetSocketAddress) server.getLocalAddress()));
            if (peers.size() != size) {
                throw new IOException("the rendezvous returned " + peers.size() + " addresses for " + size
                        + " workers");
            }
            int next = (rank + 1) % size;
            int previous = (rank + size - 1) % size;
            toNext = connect(rank, next, peers.get(next), timeoutMillis);
            fromPrevious = accept(server, rank, previous, timeoutMillis);
            selector = Selector.open();
            RingCollective ring = new RingCollective(rank, peers, timeoutMillis, toNext, fromPrevious, selector);
            ring.handshake();
            return ring;
        } catch (IOException | RuntimeException e) {
            closeQuietly(toNext);
            closeQuietly(fromPrevious);
            closeQuietly(selector);
            throw e;
        }
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public void allReduceMean(float[] data, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, data.length);
        if (failure != null) {
            throw new IOException("the ring collective failed earlier: " + failure);
        }
        if (size == 1) {
            return;
        }
        try {
            reduceScatter(data, offset, length);
            allGather(data, offset, length);
        } catch (IOException e) {
            failure = e.getMessage();
            closeConnections();
            throw e;
        }
    }

    /** Step s sends chunk rank-s and adds the received chunk rank-s-1; worker r ends owning chunk r+1. */
    private void reduceScatter(float[] data, int offset, int length) throws IOException {
        for (int step = 0; step < size - 1; step++) {
            int sendChunk = Math.floorMod(rank - step, size);
            int receiveChunk = Math.floorMod(rank - step - 1, size);
            exchangeChunks(data, offset, length, sendChunk, receiveChunk, true);
        }
        int owned = Math.floorMod(rank + 1, size);
        int start = chunkStart(offset, length, owned);
        int end = chunkStart(offset, length, owned + 1);
        float workers = size;
        for (int i = start; i < end; i++) {
            data[i] /= workers;
        }
    }

    /** Step s passes on chunk rank+1-s (finished) and receives chunk rank-s in its place. */
    private void allGather(float[] data, int offset, int length) throws IOException {
        for (int step = 0; step < size - 1; step++) {
            int sendChunk = Math.floorMod(rank + 1 - step, size);
            int receiveChunk = Math.floorMod(rank - step, size);
            exchangeChunks(data, offset, length, sendChunk, receiveChunk, false);
        }
    }

    /** Chunk c covers [chunkStart(c), chunkStart(c+1)); sizes differ by at most one element. */
    private int chunkStart(int offset, int length, int chunk) {
        return offset + (int) ((long) length * chunk / size);
    }

    /**
     * Sends one chunk to the next worker while receiving another from the previous one, which is added
     * to or copied into {@code data}. Each message starts with the call's total length, so that workers
     * whose calls disagree fail instead of mixing unrelated data.
     */
    private void exchangeChunks(float[] data, int offset, int length, int sendChunk, int receiveChunk, boolean add)
            throws IOException {
        int sendStart = chunkStart(offset, length, sendChunk);
        int receiveStart = chunkStart(offset, length, receiveChunk);
        outgoing.start(new int[] {length}, data, sendStart, chunkStart(offset, length, sendChunk + 1) - sendStart);
        incoming.start(new int[] {length}, theirs -> new IOException("worker " + rank + " reduces " + length
                        + " floats but worker " + previous() + " reduces " + theirs[0]
                        + ": the workers' calls disagree"),
                data, receiveStart, chunkStart(offset, length, receiveChunk + 1) - receiveStart, add);
        transfer();
    }

    private void handshake() throws IOException {
        outgoing.start(new int[] {HANDSHAKE_MAGIC, rank, size}, new float[0], 0, 0);
        incoming.start(new int[] {HANDSHAKE_MAGIC, previous(), size}, theirs -> new IOException("worker " + rank
                        + " of " + size + " expected worker " + previous()
                        + " to connect, but the connection came from " + (theirs[0] == HANDSHAKE_MAGIC
                        ? "worker " + theirs[1] + " of " + theirs[2] : "something that is not a ring worker")),
                new float[0], 0, 0, false);
        try {
            transfer();
        } catch (IOException e) {
            closeConnections();
            throw e;
        }
    }

    /**
     * Sends {@link #outgoing} to the next worker while receiving {@link #incoming} from the previous
     * one. Fails when neither side makes progress for the timeout.
     */
    private void transfer() throws IOException {
        long lastProgress = System.nanoTime();
        while (true) {
            ByteBuffer send = outgoing.pending();
            ByteBuffer receive = incoming.pending();
            if (!send.hasRemaining() && !receive.hasRemaining()) {
                return;
            }
            sendKey.interestOps(send.hasRemaining() ? SelectionKey.OP_WRITE : 0);
            receiveKey.interestOps(receive.hasRemaining() ? SelectionKey.OP_READ : 0);
            long waited = (System.nanoTime() - lastProgress) / 1_000_000;
            if (waited >= timeoutMillis) {
                throw receive.hasRemaining()
                        ? failure(previous(), "sent nothing for " + seconds(timeoutMillis))
                        : failure(next(), "took nothing for " + seconds(timeoutMillis));
            }
            if (selector.select(timeoutMillis - waited) == 0) {
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedIOException("worker " + rank + " was interrupted in an all-reduce");
                }
                continue;
            }
            selector.selectedKeys().clear();
            boolean progress = false;
            if (send.hasRemaining()) {
                try {
                    progress = toNext.write(send) > 0;
                } catch (IOException e) {
                    throw failure(next(), "dropped the connection (" + e.getMessage() + ")");
                }
            }
            if (receive.hasRemaining()) {
                int read;
                try {
                    read = fromPrevious.read(receive);
                } catch (IOException e) {
                    throw failure(previous(), "dropped the connection (" + e.getMessage() + ")");
                }
                if (read < 0) {
                    throw failure(previous(), "closed the connection");
                }
                progress |= read > 0;
                if (!receive.hasRemaining()) {
                    incoming.segmentArrived();
                }
            }
            if (progress) {
                lastProgress = System.nanoTime();
            }
        }
    }

    /** What a header that differs from the expected one means, as the failure to report. */
    @FunctionalInterface
    private interface HeaderMismatch {
        IOException describe(int[] theirs);
    }

    /**
     * A message to the next worker: header ints, then floats copied from the data one segment at a time
     * as the socket takes them, so that copying overlaps with the kernel sending what came before.
     */
    private static final class Outgoing {
        private final ByteBuffer stage = ByteBuffer.allocateDirect(SEGMENT_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        private float[] data;
        private int next;
        private int end;

        void start(int[] header, float[] data, int start, int count) {
            this.data = data;
            this.next = start;
            this.end = start + count;
            stage.clear();
            for (int value : header) {
                stage.putInt(value);
            }
            stageFloats();
        }

        /** A message of header ints and raw bytes, short enough to fit one segment. */
        void startBytes(int[] header, byte[] bytes, int count) {
            this.data = null;
            this.next = 0;
            this.end = 0;
            stage.clear();
            for (int value : header) {
                stage.putInt(value);
            }
            stage.put(bytes, 0, count).flip();
        }

        /** The staged bytes not yet written, refilled from the data when drained; empty at the end. */
        ByteBuffer pending() {
            if (!stage.hasRemaining() && next < end) {
                stage.clear();
                stageFloats();
            }
            return stage;
        }

        private void stageFloats() {
            int count = Math.min(end - next, stage.remaining() / Float.BYTES);
            stage.asFloatBuffer().put(data, next, count);
            stage.position(stage.position() + count * Float.BYTES);
            next += count;
            stage.flip();
        }
    }

    /**
     * A message from the previous worker, read one segment at a time: the header is checked first, so
     * that a mismatch fails at once, then each segment is added to or copied into the data as soon as it
     * has arrived, while the kernel receives the next one. A header of {@link #ABORT_MARK} announces
     * the reason the previous worker gave up instead.
     */
    private final class Incoming {
        private final ByteBuffer stage = ByteBuffer.allocateDirect(SEGMENT_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        private final float[] segment = new float[SEGMENT_BYTES / Float.BYTES];
        private int[] expectedHeader;
        private HeaderMismatch mismatch;
        private Part part;
        private float[] data;
        private int next;
        private int end;
        private boolean add;

        void start(int[] expectedHeader, HeaderMismatch mismatch, float[] data, int start, int count, boolean add) {
            this.expectedHeader = expectedHeader;
            this.mismatch = mismatch;
            this.part = Part.HEADER;
            this.data = data;
            this.next = start;
            this.end = start + count;
            this.add = add;
            stage.clear().limit(expectedHeader.length * Integer.BYTES);
        }

        /** Expects nothing: for sending an abort notice. */
        void expectNothing() {
            part = Part.FLOATS;
            next = 0;
            end = 0;
            stage.clear().limit(0);
        }

        /** Where the next bytes go; empty once the whole message has arrived. */
        ByteBuffer pending() {
            return stage;
        }

        /** Takes in the full stage and prepares it for what comes next, if anything. */
        void segmentArrived() throws IOException {
            stage.flip();
            switch (part) {
                case HEADER -> {
                    int[] theirs = new int[expectedHeader.length];
                    theirs[0] = stage.getInt();
                    if (theirs[0] == ABORT_MARK && expectedHeader[0] != ABORT_MARK) {
                        stage.clear().limit(Integer.BYTES);
                        part = Part.ABORT_LENGTH;
                        return;
                    }
                    for (int i = 1; i < theirs.length; i++) {
                        theirs[i] = stage.getInt();
                    }
                    if (!Arrays.equals(theirs, expectedHeader)) {
                        throw mismatch.describe(theirs);
                    }
                    part = Part.FLOATS;
                }
                case ABORT_LENGTH -> {
                    stage.clear().limit(Math.max(0, Math.min(stage.getInt(0), MAX_REASON_BYTES)));
                    part = Part.ABORT_REASON;
                    if (stage.hasRemaining()) {
                        return;
                    }
                    stage.flip();
                    throw failure(previous(), "gave up: (no reason given)");
                }
                case ABORT_REASON -> throw failure(previous(), "gave up: " + StandardCharsets.UTF_8.decode(stage));
                case FLOATS -> {
                    int count = stage.remaining() / Float.BYTES;
                    if (add) {
                        stage.asFloatBuffer().get(segment, 0, count);
                        for (int i = 0; i < count; i++) {
                            data[next + i] += segment[i];
                        }
                    } else {
                        stage.asFloatBuffer().get(data, next, count);
                    }
                    next += count;
                    stage.position(stage.limit());
                }
            }
            if (next < end) {
                stage.clear().limit(Math.min(SEGMENT_BYTES, (end - next) * Float.BYTES));
            }
        }
    }

    private enum Part { HEADER, ABORT_LENGTH, ABORT_REASON, FLOATS }

    private IOException failure(int peer, String what) {
        return new IOException("worker " + rank + " of " + size + ": worker " + peer + " at "
                + describe(peers.get(peer)) + " " + what);
    }

    private int next() {
        return (rank + 1) % size;
    }

    private int previous() {
        return (rank + size - 1) % size;
    }

    private static SocketChannel connect(int rank, int peer, InetSocketAddress address, long timeoutMillis)
            throws IOException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (true) {
            SocketChannel channel = SocketChannel.open();
            try {
                InetSocketAddress resolved = new InetSocketAddress(address.getHostString(), address.getPort());
                long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                channel.socket().connect(resolved, (int) Math.min(left, Integer.MAX_VALUE));
                channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                channel.configureBlocking(false);
                return channel;
            } catch (ConnectException | NoRouteToHostException | SocketTimeoutException e) {
                channel.close();
                if (System.nanoTime() + CONNECT_RETRY_MILLIS * 1_000_000 > deadline) {
                    throw new IOException("worker " + rank + " could not connect to worker " + peer + " at "
                            + describe(address) + " within " + seconds(timeoutMillis) + " (" + e.getMessage() + ")");
                }
                sleep(CONNECT_RETRY_MILLIS);
            } catch (UnknownHostException e) {
                channel.close();
                throw new IOException("worker " + rank + " could not resolve the host of worker " + peer + ", "
                        + describe(address));
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw new IOException("worker " + rank + " could not connect to worker " + peer + " at "
                        + describe(address) + " (" + e.getMessage() + ")");
            }
        }
    }

    private static SocketChannel accept(ServerSocketChannel server, int rank, int peer, long timeoutMillis)
            throws IOException {
        server.configureBlocking(false);
        try (Selector accepting = Selector.open()) {
            server.register(accepting, SelectionKey.OP_ACCEPT);
            long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
            while (true) {
                SocketChannel channel = server.accept();
                if (channel != null) {
                    channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
                    channel.configureBlocking(false);
                    return channel;
                }
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    throw new IOException("worker " + rank + ": worker " + peer + " did not connect within "
                            + seconds(timeoutMillis));
                }
                accepting.select(left);
                accepting.selectedKeys().clear();
            }
        }
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while connecting to the ring");
        }
    }

    private static String describe(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    private static String seconds(long millis) {
        return millis % 1000 == 0 ? millis / 1000 + " s" : millis / 1000.0 + " s";
    }

    private void closeConnections() {
        closeQuietly(toNext);
        closeQuietly(fromPrevious);
        closeQuietly(selector);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        if (closeable == null) {
            return;
        }
        try {
            closeable.close();
        } catch (Exception ignored) {
            // closing after a failure: the failure already carries the message that matters
        }
    }

    /**
     * Gives up between calls, telling the next worker why, so that its failure names the cause rather
     * than a closed connection; then closes like {@link #close()}. For a worker whose own work failed.
     */
    public void abort(String reason) {
        if (failure == null && outgoing != null) {
            byte[] text = reason.replaceAll("\\s+", " ").getBytes(StandardCharsets.UTF_8);
            int length = Math.min(text.length, MAX_REASON_BYTES);
            outgoing.startBytes(new int[] {ABORT_MARK, length}, text, length);
            incoming.expectNothing();
            try {
                transfer();
            } catch (IOException ignored) {
                // the next worker is gone already: it has its own failure to report
            }
        }
        failure = "it gave up: " + reason;
        closeConnections();
    }

    @Override
    public void close() {
        if (failure == null) {
            failure = "it was closed";
        }
        closeConnections();
    }
}
