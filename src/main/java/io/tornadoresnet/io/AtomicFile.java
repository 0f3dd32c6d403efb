package io.tornadoresnet.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file so that readers see either the old content or the complete new one: the body
 * goes to a temporary file in the same directory, is forced to disk, and is then renamed over
 * the target. If the body throws, the target is untouched and the temporary file is deleted.
 */
public final class AtomicFile {
    private AtomicFile() {}

    /** Writes the whole content of a file to the channel it is given. */
    @FunctionalInterface
    public interface Body {
        void writeTo(FileChannel out) throws IOException;
    }

    /** Replaces (or creates) {@code target} with what {@code body} writes, atomically. */
    public static void write(Path target, Body body) throws IOException {
        Path file = target.toAbsolutePath();
        Path dir = file.getParent();
        String tmpName = "." + file.getFileName() + "." + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong()) + ".tmp";
        Path tmp = dir.resolve(tmpName);
        try {
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                body.writeTo(out);
                out.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        syncDirectory(dir);
    }

    /** Replaces (or creates) {@code target} with a UTF-8 text, atomically. */
    public static void writeString(Path target, CharSequence text) throws IOException {
        write(target, out -> {
            ByteBuffer bytes = StandardCharsets.UTF_8.encode(CharBuffer.wrap(text));
            while (bytes.hasRemaining()) {
                out.write(bytes);
            }
        });
    }

    /** Replaces (or creates) {@code target} with what {@code body} writes to a stream, atomically. */
    public static void writeStream(Path target, StreamBody body) throws IOException {
        write(target, out -> body.writeTo(Channels.newOutputStream(out)));
    }

    /** Writes the whole content of a file to the stream it is given (and does not close it). */
    @FunctionalInterface
    public interface StreamBody {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Deletes the temporary files that writes of {@code target} left behind when their process
     * was killed before the rename (only one writer per target may be running).
     *
     * @return how many were deleted
     */
    public static int deleteLeftovers(Path target) throws IOException {
        Path file = target.toAbsolutePath();
        String prefix = "." + file.getFileName() + ".";
        int deleted = 0;
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(file.getParent(), entry -> {
            String name = entry.getFileName().toString();
            return name.startsWith(prefix) && name.endsWith(".tmp") && Files.isRegularFile(entry);
        })) {
            for (Path leftover : leftovers) {
                Files.deleteIfExists(leftover);
                deleted++;
            }
        } catch (NoSuchFileException e) {
            return 0;
        }
        return deleted;
    }

    /** Makes the rename durable; platforms that cannot open a directory (Windows) skip this. */
    private static void syncDirectory(Path dir) {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // not supported here: the rename is still atomic, only its durability is up to the OS
        }
    }
}
