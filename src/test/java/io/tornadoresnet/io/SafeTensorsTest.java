package io.tornadoresnet.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tornadoresnet.io.SafeTensors.Contents;
import io.tornadoresnet.io.SafeTensors.DType;
import io.tornadoresnet.io.SafeTensors.Entry;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SafeTensorsTest {
    @TempDir
    Path dir;

    @Test
    void roundTripsEveryDtypeAndShape() throws IOException {
        Random random = new Random(42);
        float[] big = new float[600_000]; // crosses the 1 MiB chunks of reader and writer
        for (int i = 0; i < big.length; i++) {
            big[i] = (float) random.nextGaussian();
        }
        LinkedHashMap<String, Entry> tensors = new LinkedHashMap<>();
        tensors.put("z.first", Entry.f32(new float[] {1, -2, 0.5f, Float.NaN, Float.POSITIVE_INFINITY, -0.0f, Float.MIN_VALUE}, 7));
        tensors.put("bn1.num_batches_tracked", Entry.i64(new long[] {123_456_789_012L}));
        tensors.put("longs", Entry.i64(new long[] {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE}, 2, 2));
        tensors.put("ints", Entry.i32(new int[] {Integer.MIN_VALUE, -1, 0, 1, Integer.MAX_VALUE, 42}, 1, 2, 3));
        tensors.put("i32.scalar", Entry.i32(new int[] {-5}));
        tensors.put("empty.f32", Entry.f32(new float[0], 0));
        tensors.put("empty.i64", Entry.i64(new long[0], 2, 0, 3));
        tensors.put("empty.i32", Entry.i32(new int[0], 0));
        tensors.put("f32.scalar", Entry.f32(new float[] {3.25f}));
        tensors.put("big", Entry.f32(big, 600, 1000));
        Path file = dir.resolve("all.safetensors");
        SafeTensors.write(file, tensors, Map.of("format", "test"));

        Contents read = SafeTensors.read(file);
        assertEquals(List.copyOf(tensors.keySet()), List.copyOf(read.tensors().keySet()), "header order is kept");
        assertEquals(tensors, read.tensors());
        assertArrayEquals(new long[0], read.tensors().get("bn1.num_batches_tracked").shape());
        assertEquals(1, read.tensors().get("bn1.num_batches_tracked").size());
        assertEquals(DType.I64, read.tensors().get("empty.i64").dtype());
        assertEquals(Map.of("format", "test"), read.metadata());
        long headerLength = ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % 8, "the data starts 8-byte aligned");
    }

    @Test
    void metadataKeepsQuotesEscapesAndUnicode() throws IOException {
        LinkedHashMap<String, String> metadata = new LinkedHashMap<>();
        metadata.put("quote\"key", "a \"quoted\" value with \\ backslash");
        metadata.put("lines", "one\ntwo\tthree\u0001");
        metadata.put("unicode", "r\u00e9seau \u4e2d\u6587 \ud83d\ude80");
        metadata.put("empty", "");
        Path file = dir.resolve("meta.safetensors");
        SafeTensors.write(file, Map.of("t", Entry.f32(new float[] {1})), metadata);
        Contents read = SafeTensors.read(file);
        assertEquals(metadata, read.metadata());
        assertEquals(List.copyOf(metadata.keySet()), List.copyOf(read.metadata().keySet()));
    }

    @Test
    void noMetadataWritesNoMetadataObject() throws IOException {
        Path file = dir.resolve("plain.safetensors");
        SafeTensors.write(file, Map.of("t", Entry.i32(new int[] {1}, 1)), Map.of());
        assertEquals(Map.of(), SafeTensors.read(file).metadata());
        assertFalse(Files.readString(file, StandardCharsets.ISO_8859_1).contains(SafeTensors.METADATA_KEY));
    }

    @Test
    void layoutIsByteExact() throws IOException {
        LinkedHashMap<String, Entry> tensors = new LinkedHashMap<>();
        tensors.put("a", Entry.f32(new float[] {1.0f, -2.0f}, 2));
        tensors.put("n", Entry.i64(new long[] {7}));
        Path file = dir.resolve("tiny.safetensors");
        SafeTensors.write(file, tensors, Map.of("k", "v"));

        String header = "{\"__metadata__\":{\"k\":\"v\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"n\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[8,16]}}"
                + "    "; // 132 bytes of JSON padded to 136
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(new byte[] {(byte) 136, 0, 0, 0, 0, 0, 0, 0});
        expected.writeBytes(header.getBytes(StandardCharsets.US_ASCII));
        expected.writeBytes(new byte[] {0, 0, (byte) 0x80, 0x3f, 0, 0, 0, (byte) 0xc0}); // 1.0f, -2.0f
        expected.writeBytes(new byte[] {7, 0, 0, 0, 0, 0, 0, 0});
        assertArrayEquals(expected.toByteArray(), Files.readAllBytes(file));
        assertEquals(tensors, SafeTensors.read(file).tensors());
    }

    @Test
    void readsHeadersWrittenByOthers() throws IOException {
        // spaces after separators (Python's json.dumps), \\u escapes, data order unlike header order
        String header = "{\"b\": {\"dtype\": \"I32\", \"shape\": [1], \"data_offsets\": [4, 8]},"
                + " \"__metadata__\": {\"caf\\u00e9\": \"\\ud83d\\ude00\"}, \"a\": {\"shape\": [], \"dtype\": \"F32\", \"data_offsets\": [0, 4]}}";
        ByteBuffer data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(2.5f).putInt(-9);
        Path file = writeRaw(header, data.array());
        Contents read = SafeTensors.read(file);
        assertEquals(List.of("b", "a"), List.copyOf(read.tensors().keySet()));
        assertEquals(Entry.i32(new int[] {-9}, 1), read.tensors().get("b"));
        assertEquals(Entry.f32(new float[] {2.5f}), read.tensors().get("a"));
        assertEquals(Map.of("caf\u00e9", "\ud83d\ude00"), read.metadata());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "unknown dtype  | {\"t\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}} | 4 | unsupported dtype BF16",
            "size mismatch  | {\"t\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":[0,20]}} | 20 | needs 24 bytes",
            "end < begin    | {\"t\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}} | 8 | out of order",
            "overlap        | {\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}} | 8 | overlap tensor 'a'",
            "gap            | {\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}} | 12 | leave a gap after tensor 'a'",
            "data truncated | {\"t\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}} | 12 | truncated: tensor 't' ends at data byte 16",
            "trailing bytes | {\"t\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}} | 8 | 4 bytes after the last tensor",
            "negative dim   | {\"t\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,0]}} | 0 | negative dimension",
            "no dtype       | {\"t\":{\"shape\":[1],\"data_offsets\":[0,4]}} | 4 | missing string \"dtype\"",
            "bad offsets    | {\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}} | 4 | \"data_offsets\" is not an array of 2 integers",
            "too large      | {\"t\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,0]}} | 0 | more elements than a Java array holds",
            "bad metadata   | {\"__metadata__\":{\"epoch\":3}} | 0 | value of \"epoch\" is not a string",
            "duplicate name | {\"t\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},\"t\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}} | 4 | duplicate key \"t\"",
            "not an object  | [1, 2] | 0 | header is not a JSON object",
            "a string       | \"text\" | 0 | header is not a JSON object",
            "negative begin | {\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}} | 4 | are out of order",
            "overflowing    | {\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,9223372036854775807]}} | 4 | span 9223372036854775807",
            "past the data  | {\"t\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}} | 4 | ends at data byte 16 but the file holds only 4",
            "not a number   | {\"t\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,99999999999999999999]}} | 4 | integer out of range",
            "broken JSON    | {\"t\": | 0 | header is not valid JSON",
    })
    void rejectsInvalidHeaders(String what, String header, int dataBytes, String message) throws IOException {
        Path file = writeRaw(header, new byte[dataBytes]);
        assertFails(file, message);
    }

    @Test
    void rejectsTruncatedAndOversizedHeaders() throws IOException {
        assertFails(rawFile(new byte[] {1, 2, 3}), "truncated: 3 bytes");
        ByteBuffer pastEnd = ByteBuffer.allocate(8 + 4).order(ByteOrder.LITTLE_ENDIAN).putLong(100).put("{}  ".getBytes(StandardCharsets.US_ASCII));
        assertFails(rawFile(pastEnd.array()), "header of 100 bytes runs past the end of the file (12 bytes)");
        ByteBuffer huge = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-8);
        assertFails(rawFile(huge.array()), "header length 18446744073709551608 is out of range");
        ByteBuffer latin1 = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(8).put(new byte[] {'{', '"', (byte) 0xe9, '"', ':', '1', '}', ' '});
        assertFails(rawFile(latin1.array()), "not valid UTF-8");
    }

    @Test
    void emptyFilesDirectoriesAndMissingFilesAreReported() throws IOException {
        assertFails(rawFile(new byte[0]), "truncated: 0 bytes, fewer than the 8 of the header length");
        SafeTensors.FormatException directory = assertThrows(SafeTensors.FormatException.class,
                () -> SafeTensors.read(dir));
        assertEquals(dir + ": is a directory, not a safetensors file", directory.getMessage());
        IOException missing = assertThrows(IOException.class, () -> SafeTensors.read(dir.resolve("none.safetensors")));
        assertEquals(dir.resolve("none.safetensors") + ": no such file", missing.getMessage());
    }

    @Test
    void cutFilesAreReportedAsTruncated() throws IOException {
        Path file = dir.resolve("whole.safetensors");
        SafeTensors.write(file, Map.of("t", Entry.f32(new float[1000], 10, 100)), Map.of("k", "v"));
        byte[] bytes = Files.readAllBytes(file);
        assertFails(rawFile(Arrays.copyOf(bytes, bytes.length - 1)), "truncated: tensor 't'");
        assertFails(rawFile(Arrays.copyOf(bytes, 40)), "runs past the end of the file");
    }

    @Test
    void failingWriterLeavesTheOldCheckpoint() throws IOException {
        Path file = dir.resolve("model.safetensors");
        Map<String, Entry> old = Map.of("w", Entry.f32(new float[] {1, 2, 3}, 3));
        SafeTensors.write(file, old, Map.of("epoch", "1"));
        byte[] before = Files.readAllBytes(file);

        Map<String, Entry> next = Map.of("w", Entry.f32(new float[100_000], 100_000));
        IOException e = assertThrows(IOException.class, () -> AtomicFile.write(file,
                out -> SafeTensors.write(new FailingChannel(out, 5_000), next, Map.of("epoch", "2"))));
        assertEquals("device lost", e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(file));
        assertEquals(old, SafeTensors.read(file).tensors());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(file), s.toList(), "no temporary file is left behind");
        }
    }

    @Test
    void writeRejectsReservedNameBeforeTouchingTheFile() {
        Path file = dir.resolve("x.safetensors");
        assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.write(file, Map.of(SafeTensors.METADATA_KEY, Entry.f32(new float[] {1})), Map.of()));
        assertTrue(Files.notExists(file));
    }

    @Test
    void entriesCheckTheirShapeAndDtype() {
        assertThrows(IllegalArgumentException.class, () -> Entry.f32(new float[5], 2, 3));
        assertThrows(IllegalArgumentException.class, () -> Entry.i32(new int[0], -1));
        Entry e = Entry.i64(new long[] {1, 2}, 2);
        assertThrows(IllegalStateException.class, e::floats);
        assertThrows(IllegalStateException.class, e::ints);
        assertArrayEquals(new long[] {1, 2}, e.longs());
    }

    @Test
    void convertsToAndFromTensors() throws IOException {
        Tensor w = new Tensor("conv1.weight", Shape.of(2, 1, 3, 3));
        for (int i = 0; i < w.size(); i++) {
            w.data()[i] = i * 0.5f;
        }
        Path file = dir.resolve("t.safetensors");
        SafeTensors.write(file, Map.of(w.name(), Entry.of(w)), Map.of());
        Entry read = SafeTensors.read(file).tensors().get("conv1.weight");
        assertArrayEquals(new long[] {2, 1, 3, 3}, read.shape());

        Tensor copy = new Tensor("conv1.weight", Shape.of(2, 1, 3, 3));
        read.copyTo(copy);
        assertArrayEquals(w.data(), copy.data());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> read.copyTo(new Tensor("conv1.weight", Shape.of(2, 3, 3, 1))));
        assertTrue(e.getMessage().contains("shape mismatch for conv1.weight"), e.getMessage());
    }

    private void assertFails(Path file, String message) {
        SafeTensors.FormatException e = assertThrows(SafeTensors.FormatException.class, () -> SafeTensors.read(file));
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
    }

    /** A file with the given header (length-prefixed, unpadded) and data bytes. */
    private Path writeRaw(String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        return rawFile(b.putLong(h.length).put(h).put(data).array());
    }

    private Path rawFile(byte[] bytes) throws IOException {
        return Files.write(Files.createTempFile(dir, "raw", ".safetensors"), bytes);
    }

    /** Passes the first bytes through, then fails like a device that went away. */
    private static final class FailingChannel implements WritableByteChannel {
        private final WritableByteChannel out;
        private final long failAfter;
        private long written;

        FailingChannel(WritableByteChannel out, long failAfter) {
            this.out = out;
            this.failAfter = failAfter;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            if (written >= failAfter) {
                throw new IOException("device lost");
            }
            ByteBuffer part = src.slice();
            part.limit((int) Math.min(part.remaining(), failAfter - written));
            int n = out.write(part);
            src.position(src.position() + n);
            written += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return out.isOpen();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
