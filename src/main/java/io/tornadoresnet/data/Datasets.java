package io.tornadoresnet.data;

import io.tornadoresnet.tensor.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/** Opens a data set by kind name, as the command line names them. */
public final class Datasets {
    /** The kinds {@link #open} knows. */
    public static final List<String> KINDS = List.of("fashion-mnist", "mnist", "cifar10", "cifar100", "folder");

    private Datasets() {
    }

    /**
     * Where a kind's files are looked for by default: Debian's dataset-fashion-mnist package for
     * Fashion-MNIST, {@code data/<kind>} under the working directory otherwise.
     */
    public static Path defaultDir(String kind) {
        checkKind(kind);
        return kind.equals("fashion-mnist") ? Path.of("/usr/share/datasets/fashion-mnist") : Path.of("data", kind);
    }

    /** Opens the training or test part of a fixed-format kind (every kind but "folder"). */
    public static Dataset open(String kind, Path dir, boolean train) throws IOException {
        if (kind.equals("folder")) {
            throw new IllegalArgumentException("an image folder needs an image shape and a resize size");
        }
        return open(kind, dir, train, null, 0);
    }

    /**
     * Opens the training or test part of a data set. For "folder", {@code shape} and {@code resize}
     * fix the images (see {@link ImageFolder}), and the part is {@code dir/train} or {@code dir/test}
     * (or {@code dir/val}); without any of them, training uses {@code dir} itself and there is no test part. For the
     * other kinds {@code shape}, when not null, must be the kind's own.
     */
    public static Dataset open(String kind, Path dir, boolean train, Shape shape, int resize) throws IOException {
        checkKind(kind);
        Dataset dataset = switch (kind) {
            case "fashion-mnist" -> Idx.load(dir, train, Idx.FASHION_MNIST_CLASSES);
            case "mnist" -> Idx.load(dir, train, Idx.DIGITS);
            case "cifar10" -> Cifar.load10(dir, train);
            case "cifar100" -> Cifar.load100(dir, train);
            default -> {
                if (shape == null) {
                    throw new IllegalArgumentException("an image folder needs an image shape and a resize size");
                }
                yield ImageFolder.load(folderPart(dir, train), shape, resize);
            }
        };
        if (shape != null && !shape.equals(dataset.imageShape())) {
            throw new IllegalArgumentException(kind + " images are " + dataset.imageShape() + ", not " + shape);
        }
        return dataset;
    }

    private static Path folderPart(Path dir, boolean train) throws IOException {
        Path trainDir = dir.resolve("train");
        Path testDir = Files.isDirectory(dir.resolve("val")) && !Files.isDirectory(dir.resolve("test"))
                ? dir.resolve("val") : dir.resolve("test");
        if (train) {
            if (Files.isDirectory(trainDir)) {
                return trainDir;
            }
            if (Files.isDirectory(testDir)) {
                throw new NoSuchFileException(trainDir.toString(), null, "image folder has "
                        + testDir.getFileName() + "/ but no train/");
            }
            return dir;
        }
        if (!Files.isDirectory(testDir)) {
            throw new NoSuchFileException(testDir.toString(), null,
                    "an image folder's test part must be in " + dir.resolve("test") + " or " + dir.resolve("val"));
        }
        return testDir;
    }

    private static void checkKind(String kind) {
        if (!KINDS.contains(kind)) {
            throw new IllegalArgumentException("unknown data set '" + kind + "'; known: " + String.join(", ", KINDS));
        }
    }
}
