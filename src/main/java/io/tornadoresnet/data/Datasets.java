package io.tornadoresnet.data;

import io.tornadoresnet.tensor.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Opens a data set by kind name, as the command line names them. */
public final class Datasets {
    /** The kinds {@link #open} knows. */
    public static final List<String> KINDS = List.of("fashion-mnist", "mnist", "cifar10", "cifar100", "folder", "tar");

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

    /** Opens the training or test part of a fixed-format kind (every kind but "folder" and "tar"). */
    public static Dataset open(String kind, Path dir, boolean train) throws IOException {
        if (kind.equals("folder") || kind.equals("tar")) {
            throw new IllegalArgumentException("an image folder needs an image shape and a resize size");
        }
        return open(kind, dir, train, null, 0);
    }

    /** {@link #open(String, Path, boolean, Shape, int, StreamingImages.Settings)} with the default settings. */
    public static Dataset open(String kind, Path dir, boolean train, Shape shape, int resize) throws IOException {
        return open(kind, dir, train, shape, resize, StreamingImages.Settings.defaults());
    }

    /**
     * Opens the training or test part of a data set. "folder" ({@link ImageFiles}) and "tar"
     * ({@link TarShards}) stream their images, which {@code shape} and {@code resize} (the shorter
     * side before the centre crop of evaluation) fix, decoding as {@code settings} says; their part
     * is {@code dir/train} or {@code dir/test} (or {@code dir/val}); without any of them, training
     * uses {@code dir} itself and there is no test part. A folder's test part takes the class
     * names of its training part, so that labels agree. For the other kinds {@code shape}, when
     * not null, must be the kind's own.
     */
    public static Dataset open(String kind, Path dir, boolean train, Shape shape, int resize,
            StreamingImages.Settings settings) throws IOException {
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
                Path part = folderPart(dir, train);
                yield kind.equals("tar") ? TarShards.open(part, shape, resize, settings)
                        : ImageFiles.open(part, train ? null : trainingClasses(dir), shape, resize, settings);
            }
        };
        if (shape != null && !shape.equals(dataset.imageShape())) {
            throw new IllegalArgumentException(kind + " images are " + dataset.imageShape() + ", not " + shape);
        }
        return dataset;
    }

    /** The class folders of {@code dir/train}, or null when there is none. */
    private static List<String> trainingClasses(Path dir) throws IOException {
        Path train = dir.resolve("train");
        if (!Files.isDirectory(train)) {
            return null;
        }
        try (Stream<Path> entries = Files.list(train)) {
            List<String> classes = entries.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(name -> !name.startsWith(".")).sorted().toList();
            return classes.isEmpty() ? null : classes;
        }
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
