package io.tornadoresnet.io;

import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format:
 * an 8-byte little-endian header length, a JSON header
 * {@code {"__metadata__": {string: string}, name: {"dtype", "shape", "data_offsets": [begin, end]}}}
 * padded with spaces to a multiple of 8 bytes, then the raw little-endian tensor data, each tensor
 * at its offsets relative to the end of the header. Supports the dtypes a ResNet checkpoint needs:
 * F32, I64 (PyTorch's {@code num_batches_tracked}) and I32.
 */
public final class SafeTensors {
    /** The key of the string-to-string metadata object in the header. */
    public static final String METADATA_KEY = "__metadata__";
    /** Larger headers are refused before they are read, as the reference implementation does. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    private static final int CHUNK_BYTES = 1 << 20;

    private SafeTensors() {}

    /** An element type, named as in the header. */
    public enum DType {
        F32(4),
        I64(8),
        I32(4);

        private final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }

        /** Bytes per element. */
        public int bytes() {
            return bytes;
        }
    }

    /**
     * One tensor: dtype, shape (empty for a 0-dim scalar) and a row-major Java array of its
     * elements ({@code float[]}, {@code long[]} or {@code int[]}). The array is shared, not copied.
     */
    public static final class Entry {
        private final DType dtype;
        private final long[] shape;
        private final Object data;

        private Entry(DType dtype, long[] shape, Object data, int length) {
            long count = elementCount(shape);
            if (count < 0) {
                throw new IllegalArgumentException("invalid shape " + Arrays.toString(shape));
            }
            if (count != length) {
                throw new IllegalArgumentException(
                        "shape " + Arrays.toString(shape) + " has " + count + " elements but the data has " + length);
            }
            this.dtype = dtype;
            this.shape = shape.clone();
            this.data = data;
        }

        public static Entry f32(float[] data, long... shape) {
            return new Entry(DType.F32, shape, data, data.length);
        }

        public static Entry i64(long[] data, long... shape) {
            return new Entry(DType.I64, shape, data, data.length);
        }

        public static Entry i32(int[] data, long... shape) {
            return new Entry(DType.I32, shape, data, data.length);
        }

        /** An F32 entry sharing the tensor's buffer. */
        public static Entry of(Tensor tensor) {
            return f32(tensor.data(), Arrays.stream(tensor.shape().dims()).asLongStream().toArray());
        }

        public DType dtype() {
            return dtype;
        }

        public long[] shape() {
            return shape.clone();
        }

        /** Number of elements (1 for a scalar). */
        public int size() {
            return (int) elementCount(shape);
        }

        /** The F32 data itself (not a copy). */
        public float[] floats() {
            requireDType(DType.F32);
            return (float[]) data;
        }

        /** The I64 data itself (not a copy). */
        public long[] longs() {
            requireDType(DType.I64);
            return (long[]) data;
        }

        /** The I32 data itself (not a copy). */
        public int[] ints() {
            requireDType(DType.I32);
            return (int[]) data;
        }

        /** Copies this F32 entry into a tensor of the same shape. */
        public void copyTo(Tensor tensor) {
            requireDType(DType.F32);
            Shape s = tensor.shape();
            boolean same = s.rank() == shape.length;
            for (int i = 0; same && i < shape.length; i++) {
                same = s.dim(i) == shape[i];
            }
            if (!same) {
                throw new IllegalArgumentException(
                        "shape mismatch for " + tensor.name() + ": entry has " + Arrays.toString(shape) + ", tensor has " + s);
            }
            System.arraycopy(data, 0, tensor.data(), 0, tensor.size());
        }

        private void requireDType(DType wanted) {
            if (dtype != wanted) {
                throw new IllegalStateException("entry is " + dtype + ", not " + wanted);
            }
        }

        private long byteCount() {
            return elementCount(shape) * dtype.bytes;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof Entry e) || dtype != e.dtype || !Arrays.equals(shape, e.shape)) {
                return false;
            }
            return switch (dtype) {
                case F32 -> Arrays.equals((float[]) data, (float[]) e.data);
                case I64 -> Arrays.equals((long[]) data, (long[]) e.data);
                case I32 -> Arrays.equals((int[]) data, (int[]) e.data);
            };
        }

        @Override
        public int hashCode() {
            return 31 * dtype.hashCode() + Arrays.hashCode(shape);
        }

        @Override
        public String toString() {
            return dtype + Arrays.toString(shape);
        }
    }

    /** What a file holds: its tensors and its metadata, both in header order; source names the file for messages. */
    public record Contents(String source, LinkedHashMap<String, Entry> tensors, LinkedHashMap<String, String> metadata) {}

    /** A file that is not valid safetensors, or holds something this reader does not support. */
    public static final class FormatException extends IOException {
        public FormatException(String message) {
            super(message);
        }
    }

    /** Writes the tensors (in iteration order) and metadata to {@code file}, atomically. */
    public static void write(Path file, Map<String, Entry> tensors, Map<String, String> metadata) throws IOException {
        byte[] header = header(tensors, metadata);
        AtomicFile.write(file, out -> write(out, header, tensors));
    }

    /** Writes the tensors (in iteration order) and metadata to a channel. */
    public static void write(WritableByteChannel out, Map<String, Entry> tensors, Map<String, String> metadata) throws IOException {
        write(out, header(tensors, metadata), tensors);
    }

    /** Reads a whole file, validating its header against the file's size. */
    public static Contents read(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new FormatException(file + ": is a directory, not a safetensors file");
        }
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such file");
        }
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            return new Reader(file, in).read();
        }
    }

    private static void write(WritableByteChannel out, byte[] header, Map<String, Entry> tensors) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(header.length);
        writeFully(out, buf.flip());
        writeFully(out, ByteBuffer.wrap(header));
        for (Entry e : tensors.values()) {
            int n = e.size();
            int perChunk = CHUNK_BYTES / e.dtype.bytes;
            for (int from = 0; from < n; from += perChunk) {
                int count = Math.min(perChunk, n - from);
                buf.clear();
                switch (e.dtype) {
                    case F32 -> buf.asFloatBuffer().put((float[]) e.data, from, count);
                    case I64 -> buf.asLongBuffer().put((long[]) e.data, from, count);
                    case I32 -> buf.asIntBuffer().put((int[]) e.data, from, count);
                }
                buf.limit(count * e.dtype.bytes);
                writeFully(out, buf);
            }
        }
    }

    /** The JSON header, UTF-8, padded with spaces so that the data starts 8-byte aligned. */
    static byte[] header(Map<String, Entry> tensors, Map<String, String> metadata) {
        StringBuilder b = new StringBuilder("{");
        if (metadata != null && !metadata.isEmpty()) {
            Json.writeString(b, METADATA_KEY);
            b.append(":{");
            String sep = "";
            for (Map.Entry<String, String> m : metadata.entrySet()) {
                if (m.getKey() == null || m.getValue() == null) {
                    throw new IllegalArgumentException("metadata keys and values must not be null");
                }
                b.append(sep);
                Json.writeString(b, m.getKey());
                b.append(':');
                Json.writeString(b, m.getValue());
                sep = ",";
            }
            b.append('}');
        }
        long offset = 0;
        for (Map.Entry<String, Entry> t : tensors.entrySet()) {
            String name = t.getKey();
            Entry e = t.getValue();
            if (name == null || name.equals(METADATA_KEY) || e == null) {
                throw new IllegalArgumentException("invalid tensor name or entry: " + name);
            }
            b.append(b.length() > 1 ? "," : "");
            Json.writeString(b, name);
            b.append(":{\"dtype\":\"").append(e.dtype).append("\",\"shape\":[");
            for (int i = 0; i < e.shape.length; i++) {
                b.append(i == 0 ? "" : ",").append(e.shape[i]);
            }
            long end = offset + e.byteCount();
            b.append("],\"data_offsets\":[").append(offset).append(',').append(end).append("]}");
            offset = end;
        }
        byte[] json = b.append('}').toString().getBytes(StandardCharsets.UTF_8);
        byte[] padded = Arrays.copyOf(json, (json.length + 7) & ~7);
        Arrays.fill(padded, json.length, padded.length, (byte) ' ');
        return padded;
    }

    /** The product of the dimensions, or -1 when a dimension is negative or the product overflows an int. */
    private static long elementCount(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                return -1;
            }
            n *= d;
            if (n > Integer.MAX_VALUE - 8) {
                return -1;
            }
        }
        return n;
    }

    private static void writeFully(WritableByteChannel out, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            out.write(buf);
        }
    }

    /** Reading one file: the header is validated completely before any tensor data is allocated. */
    private static final class Reader {
        private final Path file;
        private final FileChannel in;

        Reader(Path file, FileChannel in) {
            this.file = file;
            this.in = in;
        }

        /** A tensor's header entry, with its data's byte range relative to the data section. */
        private record Spec(String name, DType dtype, long[] shape, long begin, long end) {}

        Contents read() throws IOException {
            long size = in.size();
            if (size < 8) {
                throw fail("truncated: " + size + " bytes, fewer than the 8 of the header length");
            }
            long headerLength = readBytes(0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (headerLength < 2 || headerLength > MAX_HEADER_BYTES) {
                throw fail("header length " + Long.toUnsignedString(headerLength) + " is out of range [2, " + MAX_HEADER_BYTES + "]");
            }
            if (8 + headerLength > size) {
                throw fail("header of " + headerLength + " bytes runs past the end of the file (" + size + " bytes)");
            }
            Object json;
            try {
                json = Json.parse(decodeUtf8(readBytes(8, (int) headerLength)));
            } catch (IllegalArgumentException e) {
                throw fail("header is not valid JSON: " + e.getMessage());
            }
            if (!(json instanceof Map<?, ?> header)) {
                throw fail("header is not a JSON object");
            }
            LinkedHashMap<String, String> metadata = new LinkedHashMap<>();
            List<Spec> specs = new ArrayList<>();
            for (Map.Entry<?, ?> h : header.entrySet()) {
                String name = (String) h.getKey();
                if (name.equals(METADATA_KEY)) {
                    readMetadata(h.getValue(), metadata);
                } else {
                    specs.add(spec(name, h.getValue()));
                }
            }
            long dataStart = 8 + headerLength;
            checkLayout(specs, size - dataStart);

            LinkedHashMap<String, Entry> tensors = new LinkedHashMap<>();
            for (Spec s : specs) {
                tensors.put(s.name, readEntry(s, dataStart));
            }
            return new Contents(file.toString(), tensors, metadata);
        }

        private void readMetadata(Object value, Map<String, String> metadata) throws FormatException {
            if (!(value instanceof Map<?, ?> m)) {
                throw fail(METADATA_KEY + " is not a JSON object");
            }
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getValue() instanceof String v)) {
                    throw fail(METADATA_KEY + " value of \"" + e.getKey() + "\" is not a string");
                }
                metadata.put((String) e.getKey(), v);
            }
        }

        private Spec spec(String name, Object value) throws FormatException {
            if (!(value instanceof Map<?, ?> m)) {
                throw fail("tensor '" + name + "': header entry is not a JSON object");
            }
            if (!(m.get("dtype") instanceof String dtypeName)) {
                throw fail("tensor '" + name + "': missing string \"dtype\"");
            }
            DType dtype;
            try {
                dtype = DType.valueOf(dtypeName);
            } catch (IllegalArgumentException e) {
                throw fail("tensor '" + name + "': unsupported dtype " + dtypeName + " (supported: " + Arrays.toString(DType.values()) + ")");
            }
            long[] shape = longs(name, m.get("shape"), "shape", -1);
            long[] offsets = longs(name, m.get("data_offsets"), "data_offsets", 2);
            for (long v : shape) {
                if (v < 0) {
                    throw fail("tensor '" + name + "': negative dimension in shape " + Arrays.toString(shape));
                }
            }
            long begin = offsets[0];
            long end = offsets[1];
            if (begin < 0 || end < begin) {
                throw fail("tensor '" + name + "': data_offsets " + Arrays.toString(offsets) + " are out of order");
            }
            long count = elementCount(shape);
            if (count < 0) {
                throw fail("tensor '" + name + "': shape " + Arrays.toString(shape) + " has more elements than a Java array holds");
            }
            if (count * dtype.bytes != end - begin) {
                throw fail("tensor '" + name + "': shape " + Arrays.toString(shape) + " of " + dtype + " needs "
                        + count * dtype.bytes + " bytes but data_offsets " + Arrays.toString(offsets) + " span " + (end - begin));
            }
            return new Spec(name, dtype, shape, begin, end);
        }

        /** A JSON array of integers, of the given length unless that is negative. */
        private long[] longs(String name, Object value, String field, int length) throws FormatException {
            if (!(value instanceof List<?> list) || (length >= 0 && list.size() != length)) {
                throw fail("tensor '" + name + "': \"" + field + "\" is not an array" + (length >= 0 ? " of " + length : "") + " integers");
            }
            long[] out = new long[list.size()];
            for (int i = 0; i < out.length; i++) {
                if (!(list.get(i) instanceof Long v)) {
                    throw fail("tensor '" + name + "': \"" + field + "\" holds a non-integer");
                }
                out[i] = v;
            }
            return out;
        }

        /** The tensors must tile the data section exactly: no overlap, no gap, nothing left over. */
        private void checkLayout(List<Spec> specs, long dataBytes) throws FormatException {
            List<Spec> sorted = new ArrayList<>(specs);
            sorted.sort(Comparator.comparingLong(Spec::begin).thenComparingLong(Spec::end));
            long expected = 0;
            String previous = null;
            for (Spec s : sorted) {
                if (s.begin != expected) {
                    String what = s.begin < expected ? "overlap" : "leave a gap after";
                    throw fail("tensor '" + s.name + "': data_offsets [" + s.begin + ", " + s.end + "] " + what + " "
                            + (previous == null ? "the start of the data" : "tensor '" + previous + "'") + " (expected begin " + expected + ")");
                }
                if (s.end > dataBytes) {
                    throw fail("truncated: tensor '" + s.name + "' ends at data byte " + s.end + " but the file holds only " + dataBytes + " data bytes");
                }
                expected = s.end;
                previous = s.name;
            }
            if (expected != dataBytes) {
                throw fail((dataBytes - expected) + " bytes after the last tensor's data are not described by the header");
            }
        }

        private Entry readEntry(Spec s, long dataStart) throws IOException {
            int n = (int) elementCount(s.shape);
            int perChunk = CHUNK_BYTES / s.dtype.bytes;
            Object data = switch (s.dtype) {
                case F32 -> new float[n];
                case I64 -> new long[n];
                case I32 -> new int[n];
            };
            for (int from = 0; from < n; from += perChunk) {
                int count = Math.min(perChunk, n - from);
                ByteBuffer buf = readBytes(dataStart + s.begin + (long) from * s.dtype.bytes, count * s.dtype.bytes)
                        .order(ByteOrder.LITTLE_ENDIAN);
                switch (s.dtype) {
                    case F32 -> buf.asFloatBuffer().get((float[]) data, from, count);
                    case I64 -> buf.asLongBuffer().get((long[]) data, from, count);
                    case I32 -> buf.asIntBuffer().get((int[]) data, from, count);
                }
            }
            return new Entry(s.dtype, s.shape, data, n);
        }

        private ByteBuffer readBytes(long position, int length) throws IOException {
            ByteBuffer buf = ByteBuffer.allocate(length);
            while (buf.hasRemaining()) {
                if (in.read(buf, position + buf.position()) < 0) {
                    throw fail("truncated: the file ended while reading byte " + (position + buf.position()));
                }
            }
            return buf.flip();
        }

        private String decodeUtf8(ByteBuffer bytes) throws FormatException {
            try {
                CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(bytes);
                return chars.toString();
            } catch (CharacterCodingException e) {
                throw fail("header is not valid UTF-8");
            }
        }

        private FormatException fail(String message) {
            return new FormatException(file + ": " + message);
        }
    }
}
