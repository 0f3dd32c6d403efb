package io.tornadoresnet.data;

import io.tornadoresnet.tensor.Shape;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads the IDX files of MNIST and Fashion-MNIST ({@code train-images-idx3-ubyte},
 * {@code train-labels-idx1-ubyte}, {@code t10k-*}), raw or gzip-compressed (recognised by content,
 * not by name). Images come out as 1x28x28.
 */
public final class Idx {
    /** Fashion-MNIST's classes, in label order. */
    public static final List<String> FASHION_MNIST_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover",
            "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    /** MNIST's classes, the digits. */
    public static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;
    private static final int IMAGES_HEADER_BYTES = 16;
    private static final int LABELS_HEADER_BYTES = 8;
    /** The most pixel bytes one in-memory data set holds: a Java array's limit. */
    private static final long MAX_PIXEL_BYTES = Integer.MAX_VALUE - 8;

    private Idx() {
    }

    /** Loads {@code dir/train-*} (60000 images) or {@code dir/t10k-*} (10000 images). */
    public static InMemoryDataset load(Path dir, boolean train, List<String> classNames) throws IOException {
        String prefix = train ? "train" : "t10k";
        Path images = find(dir, prefix + "-images", "idx3");
        Path labels = find(dir, prefix + "-labels", "idx1");
        return read(images, labels, classNames);
    }

    /**
     * Reads one pair of IDX files: unsigned-byte images (N x H x W) and their N labels. A header is
     * checked against the file's size before anything is allocated; gzip data is read as it arrives,
     * so a header that claims more than the file holds fails without reserving what it claims.
     */
    public static InMemoryDataset read(Path imagesFile, Path labelsFile, List<String> classNames) throws IOException {
        byte[] pixels;
        int count;
        int rows;
        int cols;
        try (DataInputStream in = open(imagesFile)) {
            checkMagic(in.readInt(), IMAGES_MAGIC, imagesFile);
            count = in.readInt();
            rows = in.readInt();
            cols = in.readInt();
            long imageBytes = (long) rows * cols; // below 2^62: the product with count cannot wrap once it is checked
            long bytes = imageBytes > MAX_PIXEL_BYTES ? Long.MAX_VALUE : count * imageBytes;
            if (count < 0 || rows <= 0 || cols <= 0 || bytes > MAX_PIXEL_BYTES) {
                throw new DataFileException(imagesFile, "implausible IDX header (" + Integer.toUnsignedString(count)
                        + " images of " + Integer.toUnsignedString(rows) + "x" + Integer.toUnsignedString(cols)
                        + "), more than the " + MAX_PIXEL_BYTES + " bytes an in-memory data set holds");
            }
            pixels = readBody(in, imagesFile, IMAGES_HEADER_BYTES, (int) bytes);
        } catch (EOFException e) {
            throw truncated(imagesFile, e);
        } catch (ZipException e) {
            throw corruptGzip(imagesFile, e);
        }
        int[] labels = new int[count];
        try (DataInputStream in = open(labelsFile)) {
            checkMagic(in.readInt(), LABELS_MAGIC, labelsFile);
            int labelCount = in.readInt();
            if (labelCount != count) {
                throw new DataFileException(labelsFile, "has " + Integer.toUnsignedString(labelCount)
                        + " labels but " + imagesFile + " has " + count + " images");
            }
            byte[] raw = readBody(in, labelsFile, LABELS_HEADER_BYTES, count);
            for (int i = 0; i < count; i++) {
                labels[i] = raw[i] & 0xFF;
                if (labels[i] >= classNames.size()) {
                    throw new DataFileException(labelsFile, "label " + labels[i] + " of image " + i
                            + " is outside 0.." + (classNames.size() - 1));
                }
            }
        } catch (EOFException e) {
            throw truncated(labelsFile, e);
        } catch (ZipException e) {
            throw corruptGzip(labelsFile, e);
        }
        return new InMemoryDataset(imagesFile.toString(), Shape.of(1, rows, cols), classNames, pixels, labels);
    }

    /**
     * The {@code length} bytes after a header, which must be all the file holds. A raw file's size
     * is checked first; gzip data is read in chunks, so memory follows the data actually there.
     */
    private static byte[] readBody(DataInputStream in, Path file, int headerBytes, int length) throws IOException {
        if (!isGzip(file)) {
            long size = Files.size(file);
            if (size - headerBytes < length) {
                throw new DataFileException(file, "its header announces " + length + " bytes of data but the file"
                        + " holds " + (size - headerBytes) + " (truncated download?)");
            }
        }
        byte[] body = in.readNBytes(length);
        if (body.length < length) {
            throw new DataFileException(file, "its header announces " + length + " bytes of data but the file"
                    + " holds " + body.length + " (truncated download?)");
        }
        if (in.read() >= 0) {
            throw new DataFileException(file, "holds more data than its header announces (not an IDX file,"
                    + " or a corrupt header)");
        }
        return body;
    }

    /** Finds {@code <stem>-<kind>-ubyte}, as published, or {@code <stem>.<kind>-ubyte}; each raw or .gz. */
    private static Path find(Path dir, String stem, String kind) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new NoSuchFileException(dir.toString(), null, "data directory does not exist");
        }
        String[] names = {stem + "-" + kind + "-ubyte", stem + "." + kind + "-ubyte"};
        for (String name : names) {
            for (String suffix : new String[] {"", ".gz"}) {
                Path p = dir.resolve(name + suffix);
                if (Files.isRegularFile(p)) {
                    return p;
                }
            }
        }
        throw new NoSuchFileException(dir.resolve(names[0]).toString(), null,
                "missing IDX file: expected " + names[0] + " or " + names[0] + ".gz in " + dir);
    }

    private static DataInputStream open(Path file) throws IOException {
        if (Files.isDirectory(file)) {
            throw new DataFileException(file, "is a directory, not an IDX file");
        }
        if (Files.size(file) == 0) {
            throw new DataFileException(file, "empty file (0 bytes), not an IDX file");
        }
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        try {
            return new DataInputStream(isGzip(file) ? new GZIPInputStream(in, 1 << 16) : in);
        } catch (IOException e) {
            in.close();
            throw corruptGzip(file, e);
        }
    }

    /** Whether the file starts with gzip's magic bytes (recognised by content, not by name). */
    private static boolean isGzip(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    private static DataFileException corruptGzip(Path file, IOException cause) {
        String detail = cause.getMessage() == null ? "" : " (" + cause.getMessage() + ")";
        return new DataFileException(file, "corrupt gzip data" + detail, cause);
    }

    private static void checkMagic(int magic, int expected, Path file) throws IOException {
        if (magic != expected) {
            String hint = magic == IMAGES_MAGIC ? " (an image file: are images and labels swapped?)"
                    : magic == LABELS_MAGIC ? " (a label file: are images and labels swapped?)" : "";
            throw new DataFileException(file, String.format("wrong magic number 0x%08X, expected 0x%08X for IDX %s%s",
                    magic, expected, expected == IMAGES_MAGIC ? "images" : "labels", hint));
        }
    }

    private static DataFileException truncated(Path file, EOFException cause) {
        return new DataFileException(file, "file ends before the data its header announces (truncated download?)", cause);
    }
}
