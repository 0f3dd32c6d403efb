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

    private Idx() {
    }

    /** Loads {@code dir/train-*} (60000 images) or {@code dir/t10k-*} (10000 images). */
    public static InMemoryDataset load(Path dir, boolean train, List<String> classNames) throws IOException {
        String prefix = train ? "train" : "t10k";
        Path images = find(dir, prefix + "-images", "idx3");
        Path labels = find(dir, prefix + "-labels", "idx1");
        return read(images, labels, classNames);
    }

    /** Reads one pair of IDX files: unsigned-byte images (N x H x W) and their N labels. */
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
            long bytes = (long) count * rows * cols;
            if (count < 0 || rows <= 0 || cols <= 0 || bytes > Integer.MAX_VALUE - 8) {
                throw new IOException(imagesFile + ": implausible IDX header (" + count + " images of "
                        + rows + "x" + cols + ")");
            }
            pixels = new byte[(int) bytes];
            in.readFully(pixels);
        } catch (EOFException e) {
            throw truncated(imagesFile, e);
        }
        int[] labels = new int[count];
        try (DataInputStream in = open(labelsFile)) {
            checkMagic(in.readInt(), LABELS_MAGIC, labelsFile);
            int labelCount = in.readInt();
            if (labelCount != count) {
                throw new IOException("count mismatch: " + imagesFile + " has " + count + " images but "
                        + labelsFile + " has " + labelCount + " labels");
            }
            byte[] raw = new byte[count];
            in.readFully(raw);
            for (int i = 0; i < count; i++) {
                labels[i] = raw[i] & 0xFF;
            }
        } catch (EOFException e) {
            throw truncated(labelsFile, e);
        }
        return new InMemoryDataset(imagesFile.toString(), Shape.of(1, rows, cols), classNames, pixels, labels);
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
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        in.mark(2);
        boolean gzip = in.read() == 0x1f && in.read() == 0x8b;
        in.reset();
        try {
            return new DataInputStream(gzip ? new GZIPInputStream(in, 1 << 16) : in);
        } catch (IOException e) {
            in.close();
            throw new IOException(file + ": corrupt gzip file", e);
        }
    }

    private static void checkMagic(int magic, int expected, Path file) throws IOException {
        if (magic != expected) {
            String hint = magic == IMAGES_MAGIC ? " (an image file: are images and labels swapped?)"
                    : magic == LABELS_MAGIC ? " (a label file: are images and labels swapped?)" : "";
            throw new IOException(String.format("%s: wrong magic number 0x%08X, expected 0x%08X for IDX %s%s",
                    file, magic, expected, expected == IMAGES_MAGIC ? "images" : "labels", hint));
        }
    }

    private static IOException truncated(Path file, EOFException cause) {
        return new IOException(file + ": file ends before the count its header announces (truncated download?)", cause);
    }
}
