package io.tornadoresnet.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {
    @TempDir
    Path dir;

    @Test
    void createsAndReplaces() throws IOException {
        Path target = dir.resolve("f.bin");
        AtomicFile.write(target, out -> out.write(ascii("first")));
        assertArrayEquals("first".getBytes(StandardCharsets.US_ASCII), Files.readAllBytes(target));
        AtomicFile.write(target, out -> out.write(ascii("second, longer")));
        assertArrayEquals("second, longer".getBytes(StandardCharsets.US_ASCII), Files.readAllBytes(target));
        assertEquals(List.of(target), listing());
    }

    @Test
    void failedWriteLeavesOldFileAndNoTemporary() throws IOException {
        Path target = dir.resolve("f.bin");
        Files.writeString(target, "old");
        IOException e = assertThrows(IOException.class, () -> AtomicFile.write(target, out -> {
            out.write(ascii("half of the new cont"));
            throw new IOException("disk full");
        }));
        assertEquals("disk full", e.getMessage());
        assertEquals("old", Files.readString(target));
        assertEquals(List.of(target), listing());
    }

    @Test
    void uncheckedFailureWithoutOldFileLeavesNothing() throws IOException {
        Path target = dir.resolve("f.bin");
        assertThrows(IllegalStateException.class, () -> AtomicFile.write(target, out -> {
            out.write(ascii("partial"));
            throw new IllegalStateException("bug in the writer");
        }));
        assertFalse(Files.exists(target));
        assertEquals(List.of(), listing());
    }

    @Test
    void textAndStreamsGoThroughTheSameReplacement() throws IOException {
        Path target = dir.resolve("notes.txt");
        AtomicFile.writeString(target, "r\u00e9seau\n");
        assertEquals("r\u00e9seau\n", Files.readString(target, StandardCharsets.UTF_8));
        AtomicFile.writeStream(target, out -> out.write(new byte[] {'o', 'k'}));
        assertEquals("ok", Files.readString(target));
        assertThrows(IOException.class, () -> AtomicFile.writeStream(target, out -> {
            out.write('x');
            throw new IOException("encoder failed");
        }));
        assertEquals("ok", Files.readString(target));
        assertEquals(List.of(target), listing());
    }

    @Test
    void aDirectoryInTheWayFailsAndStaysADirectory() throws IOException {
        Path target = Files.createDirectory(dir.resolve("last.safetensors"));
        Files.writeString(target.resolve("inside"), "kept");
        assertThrows(IOException.class, () -> AtomicFile.writeString(target, "new"));
        assertEquals("kept", Files.readString(target.resolve("inside")));
        assertEquals(List.of(target), listing());
    }

    @Test
    void leftoversOfAKilledWriteAreDeletedAndNothingElse() throws IOException {
        Path target = dir.resolve("last.safetensors");
        AtomicFile.writeString(target, "whole");
        Files.writeString(dir.resolve(".last.safetensors.0123456789abcdef.tmp"), "half");
        Files.writeString(dir.resolve(".metrics.csv.0123456789abcdef.tmp"), "another file's");
        Files.writeString(dir.resolve("last.safetensors.tmp"), "not ours");
        assertEquals(1, AtomicFile.deleteLeftovers(target));
        assertEquals(List.of(dir.resolve(".metrics.csv.0123456789abcdef.tmp"), target,
                dir.resolve("last.safetensors.tmp")), listing());
        assertEquals(0, AtomicFile.deleteLeftovers(dir.resolve("no/such/dir/f")));
    }

    @Test
    void missingDirectoryFailsCleanly() {
        assertThrows(IOException.class, () -> AtomicFile.write(dir.resolve("no/such/f.bin"), out -> out.write(ascii("x"))));
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    private List<Path> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
