package io.tornadoresnet.data;

import io.tornadoresnet.tensor.Shape;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Samples in tar shards laid out as WebDataset writes them: {@code shard-000000.tar},
 * {@code shard-000001.tar}, ... (every {@code *.tar} of the folder, sorted by name), each holding
 * consecutive members {@code KEY.jpg} (or .jpeg, .png, .bmp) and {@code KEY.cls} (the label as a
 * decimal number). Class names come from a {@value #CLASSES} file (one a line, in label order)
 * beside the shards or in their parent folder, else they are the labels' numbers.
 *
 * <p>The shards are scanned once, header by header (the image bytes are skipped, not read); per
 * sample only its shard, offset, length and label stay in memory (20 bytes). An epoch reads the
 * shards whole and in sequence, as large runs on shared file systems want: for training, in an
 * order shuffled from (seed, epoch), through a shuffle buffer of {@value #SHUFFLE_BUFFER} samples
 * drawn from the same stream (each sample read enters the buffer in place of one drawn at random
 * from it; the last ones leave in random order). Both depend only on (seed, epoch), so an epoch is
 * the same whatever the threads, and a run resumed at batch b reads the epoch again from its
 * start and skips the first b batches without decoding them. The shuffle is local: two samples
 * more than a buffer apart in the same shard rarely swap places, which is why shards should hold
 * mixed classes (WebDataset's advice).
 */
public final class TarShards extends StreamingImages {
    /** Class names, one a line, beside the shards or in their parent folder. */
    public static final String CLASSES = "classes.txt";
    /** Samples held by the shuffle buffer of a training epoch. */
    public static final int SHUFFLE_BUFFER = 1_000;
    static final long SHUFFLE_SALT = 0x1F83D9ABFB41BD6BL;
    private static final int BLOCK = 512;

    private final Path[] shards;
    private final Index index;

    private TarShards(String description, Path[] shards, Index index, Shape shape, int resize,
            List<String> classNames, Settings settings, Set<Path> warned) {
        super(description, shape, resize, classNames, settings, warned);
        this.shards = shards;
        this.index = index;
    }

    /** Scans the {@code *.tar} shards of {@code dir}. */
    public static TarShards open(Path dir, Shape shape, int resize, Settings settings) throws IOException {
        Images.checkTarget(shape, resize);
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "folder of tar shards does not exist");
        }
        Path[] shards;
        try (Stream<Path> list = Files.list(dir)) {
            shards = list.filter(p -> p.getFileName().toString().endsWith(".tar") && Files.isRegularFile(p))
                    .sorted().toArray(Path[]::new);
        }
        if (shards.length == 0) {
            throw new DataFileException(dir, "no .tar shards (expected shard-000000.tar, ... holding KEY.jpg and"
                    + " KEY.cls)");
        }
        Index index = new Index();
        for (int s = 0; s < shards.length; s++) {
            scan(shards[s], s, index);
        }
        if (index.labels.size() == 0) {
            throw new DataFileException(dir, "its shards hold no samples (KEY.jpg with KEY.cls)");
        }
        int maxLabel = 0;
        for (int i = 0; i < index.labels.size(); i++) {
            maxLabel = Math.max(maxLabel, index.labels.get(i));
        }
        List<String> classes = classNames(dir, maxLabel);
        return new TarShards("tar shards " + dir, shards, index, shape, resize, classes, settings, null);
    }

    private static List<String> classNames(Path dir, int maxLabel) throws IOException {
        for (Path file : new Path[] {dir.resolve(CLASSES), dir.toAbsolutePath().getParent().resolve(CLASSES)}) {
            if (Files.isRegularFile(file)) {
                List<String> names = Files.readAllLines(file, StandardCharsets.UTF_8).stream().map(String::strip)
                        .filter(s -> !s.isEmpty()).toList();
                if (maxLabel >= names.size()) {
                    throw new DataFileException(file, "names " + names.size() + " classes, but a sample has label "
                            + maxLabel);
                }
                return names;
            }
        }
        List<String> names = new ArrayList<>();
        for (int k = 0; k <= maxLabel; k++) {
            names.add(Integer.toString(k));
        }
        return names;
    }

    /** Per sample, in the order of the scan: its shard, where its image starts, how long it is, its label. */
    private static final class Index {
        final Chunks.Ints shard = new Chunks.Ints();
        final Chunks.Longs offset = new Chunks.Longs();
        final Chunks.Ints length = new Chunks.Ints();
        final Chunks.Ints labels = new Chunks.Ints();

        void add(int s, long at, long size, int label) {
            shard.add(s);
            offset.add(at);
            length.add((int) size);
            labels.add(label);
        }
    }

    /** One member of a tar file: its name, where its data starts and how long it is. */
    private record Member(String name, long dataOffset, long size) {
        String key() {
            int slash = name.lastIndexOf('/');
            int dot = name.indexOf('.', slash + 1);
            return dot < 0 ? name : name.substring(0, dot);
        }

        String extension() {
            int slash = name.lastIndexOf('/');
            int dot = name.indexOf('.', slash + 1);
            return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
        }
    }

    /** Adds the samples of one shard: consecutive members sharing a key make a sample. */
    private static void scan(Path file, int s, Index index) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long fileSize = channel.size();
            long at = 0;
            String key = null;
            Member image = null;
            Integer label = null;
            while (true) {
                Member m = nextMember(channel, file, at, fileSize);
                if (m == null || !m.key().equals(key)) {
                    if (key != null) {
                        addSample(file, s, key, image, label, index);
                    }
                    if (m == null) {
                        return;
                    }
                    key = m.key();
                    image = null;
                    label = null;
                }
                String ext = m.extension();
                if (ext.equals("cls")) {
                    label = parseLabel(file, m, channel);
                } else if (image == null && (ext.equals("jpg") || ext.equals("jpeg") || ext.equals("png")
                        || ext.equals("bmp"))) {
                    image = m;
                }
                at = m.dataOffset() + (m.size() + BLOCK - 1) / BLOCK * BLOCK;
            }
        }
    }

    private static void addSample(Path file, int s, String key, Member image, Integer label, Index index)
            throws DataFileException {
        if (image == null && label == null) {
            return;
        }
        if (image == null) {
            throw new DataFileException(file, "sample '" + key + "' has a .cls label but no .jpg, .jpeg, .png or"
                    + " .bmp image");
        }
        if (label == null) {
            throw new DataFileException(file, "sample '" + key + "' has no .cls label");
        }
        if (image.size() > Integer.MAX_VALUE - 8) {
            throw new DataFileException(file, "member " + image.name() + " of " + image.size()
                    + " bytes is too large for an image");
        }
        index.add(s, image.dataOffset(), image.size(), label);
    }

    private static int parseLabel(Path file, Member m, FileChannel channel) throws IOException {
        if (m.size() > 64) {
            throw new DataFileException(file, "member " + m.name() + " is " + m.size() + " bytes, not a class number");
        }
        String text = new String(readFully(channel, m.dataOffset(), (int) m.size(), file), StandardCharsets.UTF_8)
                .strip();
        try {
            int label = Integer.parseInt(text);
            if (label < 0) {
                throw new NumberFormatException();
            }
            return label;
        } catch (NumberFormatException e) {
            throw new DataFileException(file, "member " + m.name() + " holds '" + text + "', not a class number"
                    + " 0 or more");
        }
    }

    /**
     * The regular-file member whose header is at {@code at} or after (GNU long names and pax
     * path records applied, other entries passed over), or null at the end of the archive.
     */
    private static Member nextMember(FileChannel channel, Path file, long at, long fileSize) throws IOException {
        String longName = null;
        while (true) {
            if (at + BLOCK > fileSize) {
                if (at == fileSize) {
                    return null;
                }
                throw new DataFileException(file, "truncated: a tar header at byte " + at + " runs past the end ("
                        + fileSize + " bytes)");
            }
            byte[] header = readFully(channel, at, BLOCK, file);
            if (isZero(header)) {
                return null;
            }
            long size = octal(header, 124, 12, file, at);
            char type = (char) header[156];
            long data = at + BLOCK;
            if (data + size > fileSize) {
                throw new DataFileException(file, "truncated: a member at byte " + at + " says " + size
                        + " bytes, past the end (" + fileSize + " bytes)");
            }
            long next = data + (size + BLOCK - 1) / BLOCK * BLOCK;
            if (type == 'L') {
                longName = cString(readFully(channel, data, (int) Math.min(size, 4096), file), 0, (int) size);
            } else if (type == 'x') {
                String path = paxPath(new String(readFully(channel, data, (int) Math.min(size, 65536), file),
                        StandardCharsets.UTF_8));
                if (path != null) {
                    longName = path;
                }
            } else if (type == '0' || type == '\0') {
                String name = longName != null ? longName : ustarName(header);
                return new Member(name, data, size);
            } else if (type != 'g') {
                longName = null;
            }
            at = next;
        }
    }

    private static String ustarName(byte[] header) {
        String name = cString(header, 0, 100);
        boolean ustar = header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a'
                && header[261] == 'r';
        String prefix = ustar ? cString(header, 345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    /** The {@code path} of a pax extended header ("LEN path=VALUE\n" records), or null. */
    private static String paxPath(String records) {
        for (String record : records.split("\n")) {
            int space = record.indexOf(' ');
            if (space > 0 && record.startsWith("path=", space + 1)) {
                return record.substring(space + 6);
            }
        }
        return null;
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static String cString(byte[] bytes, int from, int max) {
        int end = from;
        while (end < from + max && end < bytes.length && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, from, end - from, StandardCharsets.UTF_8);
    }

    /** An octal size field, or GNU's base-256 form (first byte 0x80) for sizes of 8 GB and more. */
    private static long octal(byte[] header, int from, int width, Path file, long at) throws DataFileException {
        if ((header[from] & 0x80) != 0) {
            long v = 0;
            for (int k = from + 1; k < from + width; k++) {
                v = (v << 8) | (header[k] & 0xFF);
            }
            return v;
        }
        long v = 0;
        boolean digits = false;
        for (int k = from; k < from + width; k++) {
            int c = header[k];
            if (c == 0 || c == ' ') {
                if (digits) {
                    break;
                }
                continue;
            }
            if (c < '0' || c > '7') {
                throw new DataFileException(file, "not a tar file: the header at byte " + at + " has no octal size");
            }
            v = v * 8 + (c - '0');
            digits = true;
        }
        return v;
    }

    private static byte[] readFully(FileChannel channel, long at, int count, Path file) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(count);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, at + buffer.position()) < 0) {
                throw new DataFileException(file, "truncated at byte " + (at + buffer.position()));
            }
        }
        return buffer.array();
    }

    @Override
    public int size() {
        return index.labels.size();
    }

    @Override
    public int label(int i) {
        return index.labels.get(i);
    }

    /** The shard and the member's name, as {@code dir/shard-000000.tar/KEY.jpg}. */
    @Override
    Path name(int i) throws IOException {
        Path file = shards[index.shard.get(i)];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return file.resolve(ustarName(readFully(channel, index.offset.get(i) - BLOCK, BLOCK, file)));
        }
    }

    @Override
    byte[] read(int i) throws IOException {
        Path file = shards[index.shard.get(i)];
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return readFully(channel, index.offset.get(i), index.length.get(i), file);
        }
    }

    /**
     * The epochs of a loader. The loader's shard reader and the pages of its shuffle buffer serve
     * every epoch: the buffer holds samples for about {@value #SHUFFLE_BUFFER} reads, long enough for
     * the collector to move them to the old generation if each had arrays of its own, where they
     * would stay until a full collection, which the serial collector puts off by growing the heap;
     * as pages reused sample after sample, the buffer is allocated once.
     */
    @Override
    StreamingLoader.Order epochs() {
        ShardReader reader = new ShardReader();
        Pages pages = new Pages();
        return (seed, epoch, shuffle, skip) -> {
            SplittableRandom random = new SplittableRandom(Seeds.mix(seed ^ SHUFFLE_SALT, epoch));
            int[] order = new int[shards.length];
            if (shuffle) {
                Splits.shuffle(order, random);
            } else {
                Arrays.setAll(order, k -> k);
            }
            EpochStream stream = new EpochStream(order, shuffle ? SHUFFLE_BUFFER : 0, random, reader, pages);
            for (int k = 0; k < skip; k++) {
                stream.next();
            }
            return stream;
        };
    }

    /** Reads one shard at a time front to back, through one buffer kept from shard to shard. */
    private static final class ShardReader {
        private final byte[] buffer = new byte[1 << 20];
        private FileChannel channel;
        private int position;
        private int limit;
        /** Where in the file {@code buffer[limit]} is. */
        private long fileOffset;

        void open(Path file) throws IOException {
            close();
            channel = FileChannel.open(file, StandardOpenOption.READ);
            position = 0;
            limit = 0;
            fileOffset = 0;
        }

        /** Moves on to {@code offset} of the file, at or after where the reader is. */
        void skipTo(long offset) {
            long ahead = offset - (fileOffset - (limit - position));
            if (ahead <= limit - position) {
                position += (int) ahead;
            } else {
                position = 0;
                limit = 0;
                fileOffset = offset;
            }
        }

        /** Reads {@code count} bytes into {@code dst[at..]}. */
        void read(byte[] dst, int at, int count) throws IOException {
            while (count > 0) {
                if (position == limit) {
                    int n = channel.read(ByteBuffer.wrap(buffer), fileOffset);
                    if (n <= 0) {
                        throw new EOFException();
                    }
                    position = 0;
                    limit = n;
                    fileOffset += n;
                }
                int n = Math.min(count, limit - position);
                System.arraycopy(buffer, position, dst, at, n);
                position += n;
                at += n;
                count -= n;
            }
        }

        void close() throws IOException {
            if (channel != null) {
                channel.close();
                channel = null;
            }
        }
    }

    /**
     * The bytes of the samples in a shuffle buffer, in pages of {@value #PAGE} bytes chained by
     * index; freed pages are reused, and new ones made only when none is free.
     */
    private static final class Pages {
        static final int PAGE = 8192;
        private final List<byte[]> pages = new ArrayList<>();
        /** The page after each page of a chain, or of the free list; -1 at the end. */
        private int[] next = new int[0];
        private int free = -1;

        /** A chain of pages holding {@code count} bytes read from {@code in}; its first page. */
        int store(ShardReader in, int count) throws IOException {
            int first = -1;
            int last = -1;
            for (int done = 0; done < count; done += PAGE) {
                int page = take();
                if (last < 0) {
                    first = page;
                } else {
                    next[last] = page;
                }
                last = page;
                try {
                    in.read(pages.get(page), 0, Math.min(PAGE, count - done));
                } catch (IOException e) {
                    release(first);
                    throw e;
                }
            }
            return first;
        }

        /** {@code count} bytes from {@code from} on of the chain starting at {@code first}, in a new array. */
        byte[] copy(int first, int from, int count) {
            byte[] out = new byte[count];
            int page = first;
            for (int skip = from / PAGE; skip > 0; skip--) {
                page = next[page];
            }
            int in = from % PAGE;
            for (int done = 0; done < count; ) {
                int n = Math.min(count - done, PAGE - in);
                System.arraycopy(pages.get(page), in, out, done, n);
                done += n;
                in = 0;
                page = next[page];
            }
            return out;
        }

        void release(int first) {
            int page = first;
            while (page >= 0) {
                int after = next[page];
                next[page] = free;
                free = page;
                page = after;
            }
        }

        private int take() {
            if (free < 0) {
                pages.add(new byte[PAGE]);
                if (next.length < pages.size()) {
                    next = Arrays.copyOf(next, Math.max(64, 2 * next.length));
                }
                free = pages.size() - 1;
                next[free] = -1;
            }
            int page = free;
            free = next[page];
            next[page] = -1;
            return page;
        }
    }

    /**
     * Reads the shards in the order given, each from its start to its end, through the shuffle
     * buffer, which holds each sample's tar header and bytes in pages and its index alone.
     */
    private final class EpochStream implements SampleStream {
        private final int[] shardOrder;
        private final SplittableRandom random;
        private final ShardReader in;
        private final Pages pages;
        private final int[] heldSample;
        private final int[] heldPage;
        private int buffered;
        private int shardPosition = -1;
        private int sample;
        private int sampleEnd;
        private boolean closed;

        EpochStream(int[] shardOrder, int bufferSize, SplittableRandom random, ShardReader in, Pages pages) {
            this.shardOrder = shardOrder;
            this.random = random;
            this.in = in;
            this.pages = pages;
            this.heldSample = new int[bufferSize];
            this.heldPage = new int[bufferSize];
        }

        @Override
        public Sample next() throws IOException {
            if (heldSample.length == 0) {
                int i = nextInShardOrder();
                if (i < 0) {
                    return null;
                }
                byte[] header = new byte[BLOCK];
                byte[] bytes = new byte[index.length.get(i)];
                read(i, header, bytes);
                return sample(i, header, bytes);
            }
            while (buffered < heldSample.length && hold(buffered)) {
                buffered++;
            }
            if (buffered == 0) {
                return null;
            }
            int j = random.nextInt(buffered);
            Sample out = release(j);
            if (buffered < heldSample.length || !hold(j)) {
                buffered--;
                heldSample[j] = heldSample[buffered];
                heldPage[j] = heldPage[buffered];
            }
            return out;
        }

        /** Reads the next sample in shard order into slot {@code slot} of the buffer; false after the last shard. */
        private boolean hold(int slot) throws IOException {
            int i = nextInShardOrder();
            if (i < 0) {
                return false;
            }
            in.skipTo(index.offset.get(i) - BLOCK);
            try {
                heldPage[slot] = pages.store(in, BLOCK + index.length.get(i));
            } catch (EOFException e) {
                throw shorter(i);
            }
            heldSample[slot] = i;
            return true;
        }

        /** The sample in slot {@code slot}, its bytes copied out of the pages, which are freed. */
        private Sample release(int slot) {
            int i = heldSample[slot];
            int first = heldPage[slot];
            Sample out = sample(i, pages.copy(first, 0, BLOCK), pages.copy(first, BLOCK, index.length.get(i)));
            pages.release(first);
            return out;
        }

        private Sample sample(int i, byte[] header, byte[] bytes) {
            return new Sample(i, index.labels.get(i), bytes, shards[index.shard.get(i)].resolve(ustarName(header)));
        }

        private void read(int i, byte[] header, byte[] bytes) throws IOException {
            in.skipTo(index.offset.get(i) - BLOCK);
            try {
                in.read(header, 0, BLOCK);
                in.read(bytes, 0, bytes.length);
            } catch (EOFException e) {
                throw shorter(i);
            }
        }

        private DataFileException shorter(int i) {
            return new DataFileException(shards[index.shard.get(i)], "shorter than when it was scanned (changed since?)");
        }

        /** The next sample in shard order, its shard opened; -1 after the last shard. */
        private int nextInShardOrder() throws IOException {
            while (sample == sampleEnd) {
                if (shardPosition + 1 >= shardOrder.length) {
                    return -1;
                }
                shardPosition++;
                int s = shardOrder[shardPosition];
                sample = firstSample(s);
                sampleEnd = firstSample(s + 1);
                in.open(shards[s]);
            }
            return sample++;
        }

        /** Frees the pages of the samples still held: the next epoch uses them again. */
        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            for (int slot = 0; slot < buffered; slot++) {
                pages.release(heldPage[slot]);
            }
            buffered = 0;
            in.close();
        }
    }

    /** The first sample of shard {@code s} (samples are ordered by shard, then offset). */
    private int firstSample(int s) {
        int lo = 0;
        int hi = index.shard.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (index.shard.get(mid) < s) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    @Override
    TarShards subset(int[] indices, String part) {
        int[] sorted = indices.clone();
        Arrays.sort(sorted);
        Index subset = new Index();
        for (int i : sorted) {
            subset.add(index.shard.get(i), index.offset.get(i), index.length.get(i), index.labels.get(i));
        }
        return new TarShards(description() + ", " + part, shards, subset, imageShape(), resize(), classNames(),
                settings(), warned());
    }
}
