package io.tornadoresnet.data;

import io.tornadoresnet.tensor.Shape;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the binary versions of CIFAR-10 ({@code data_batch_1..5.bin}, {@code test_batch.bin}) and
 * CIFAR-100 ({@code train.bin}, {@code test.bin}) from https://www.cs.toronto.edu/~kriz/cifar.html.
 * The directory may be the one holding the files or the one above it, holding
 * {@code cifar-10-batches-bin} or {@code cifar-100-binary}. Images come out as 3x32x32; CIFAR-100
 * uses the fine (100-class) labels.
 */
public final class Cifar {
    public static final List<String> CIFAR10_CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer",
            "dog", "frog", "horse", "ship", "truck");
    /** CIFAR-100's fine classes, in label order (as in its {@code fine_label_names.txt}). */
    public static final List<String> CIFAR100_CLASSES = List.of("apple", "aquarium_fish", "baby", "bear",
            "beaver", "bed", "bee", "beetle", "bicycle", "bottle", "bowl", "boy", "bridge", "bus", "butterfly",
            "camel", "can", "castle", "caterpillar", "cattle", "chair", "chimpanzee", "clock", "cloud", "cockroach",
            "couch", "crab", "crocodile", "cup", "dinosaur", "dolphin", "elephant", "flatfish", "forest", "fox",
            "girl", "hamster", "house", "kangaroo", "keyboard", "lamp", "lawn_mower", "leopard", "lion", "lizard",
            "lobster", "man", "maple_tree", "motorcycle", "mountain", "mouse", "mushroom", "oak_tree", "orange",
            "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree", "plain", "plate", "poppy",
            "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket", "rose", "sea", "seal", "shark",
            "shrew", "skunk", "skyscraper", "snail", "snake", "spider", "squirrel", "streetcar", "sunflower",
            "sweet_pepper", "table", "tank", "telephone", "television", "tiger", "tractor", "train", "trout",
            "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm");

    private static final Shape SHAPE = Shape.of(3, 32, 32);
    private static final int PIXELS = 3 * 32 * 32;
    /** The most pixel bytes one in-memory data set holds: a Java array's limit. */
    private static final long MAX_PIXEL_BYTES = Integer.MAX_VALUE - 8;

    private Cifar() {
    }

    /** CIFAR-10: 50000 training images in five batches, or 10000 test images. */
    public static InMemoryDataset load10(Path dir, boolean train) throws IOException {
        List<String> names = new ArrayList<>();
        if (train) {
            for (int i = 1; i <= 5; i++) {
                names.add("data_batch_" + i + ".bin");
            }
        } else {
            names.add("test_batch.bin");
        }
        Path home = locate(dir, "cifar-10-batches-bin", names.get(0), "CIFAR-10");
        List<String> classes = classNames(home.resolve("batches.meta.txt"), CIFAR10_CLASSES);
        return read(home, names, 1, 0, classes, "cifar10 " + (train ? "train" : "test"));
    }

    /** CIFAR-100 with its fine labels: 50000 training or 10000 test images. */
    public static InMemoryDataset load100(Path dir, boolean train) throws IOException {
        String name = train ? "train.bin" : "test.bin";
        Path home = locate(dir, "cifar-100-binary", name, "CIFAR-100");
        List<String> classes = classNames(home.resolve("fine_label_names.txt"), CIFAR100_CLASSES);
        return read(home, List.of(name), 2, 1, classes, "cifar100 " + (train ? "train" : "test"));
    }

    /** The directory holding {@code probe}: {@code dir} itself or {@code dir/sub}. */
    private static Path locate(Path dir, String sub, String probe, String what) throws IOException {
        for (Path home : List.of(dir, dir.resolve(sub))) {
            if (Files.isRegularFile(home.resolve(probe))) {
                return home;
            }
        }
        throw new NoSuchFileException(dir.resolve(probe).toString(), null, "no " + what + " binary file " + probe
                + " in " + dir + " or " + dir.resolve(sub) + " (the 'binary version' from"
                + " https://www.cs.toronto.edu/~kriz/cifar.html, not the python one)");
    }

    /**
     * Reads fixed-size records: {@code labelBytes} label bytes, the one at {@code labelIndex} used,
     * then 3072 pixel bytes (the red, green and blue planes, rows top to bottom).
     */
    private static InMemoryDataset read(Path home, List<String> files, int labelBytes, int labelIndex,
            List<String> classes, String what) throws IOException {
        int record = labelBytes + PIXELS;
        long[] records = new long[files.size()];
        long total = 0;
        for (int f = 0; f < files.size(); f++) {
            String name = files.get(f);
            Path file = home.resolve(name);
            if (!Files.isRegularFile(file)) {
                throw new NoSuchFileException(file.toString(), null, "missing " + what + " file");
            }
            long size = Files.size(file);
            if (size == 0 || size % record != 0) {
                throw new DataFileException(file, size + " bytes is not a whole number of " + record
                        + "-byte records (" + labelBytes + " label byte(s) + 3072 pixels); truncated or not a "
                        + what + " binary file");
            }
            records[f] = size / record;
            total += records[f];
            if (total * PIXELS > MAX_PIXEL_BYTES) {
                throw new DataFileException(file, "brings the data set to " + total + " images, more than the "
                        + MAX_PIXEL_BYTES / PIXELS + " an in-memory data set holds; not a " + what + " binary file");
            }
        }
        int count = (int) total;
        byte[] pixels = new byte[count * PIXELS];
        int[] labels = new int[count];
        byte[] label = new byte[labelBytes];
        int n = 0;
        for (int f = 0; f < files.size(); f++) {
            Path file = home.resolve(files.get(f));
            try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
                for (long r = 0; r < records[f]; r++, n++) {
                    in.readFully(label);
                    labels[n] = label[labelIndex] & 0xFF;
                    if (labels[n] >= classes.size()) {
                        throw new DataFileException(file, "record " + r + " has label " + labels[n] + ", outside 0.."
                                + (classes.size() - 1) + "; not a " + what + " binary file");
                    }
                    in.readFully(pixels, n * PIXELS, PIXELS);
                }
            } catch (EOFException e) {
                throw new DataFileException(file, "shrank while it was read", e);
            }
        }
        return new InMemoryDataset(what + " from " + home, SHAPE, classes, pixels, labels);
    }

    /** The non-blank lines of {@code file} when it exists, else {@code defaults}. */
    private static List<String> classNames(Path file, List<String> defaults) throws IOException {
        if (!Files.isRegularFile(file)) {
            return defaults;
        }
        List<String> names = new ArrayList<>();
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (CharacterCodingException e) {
            throw new DataFileException(file, "is not UTF-8 text", e);
        }
        for (String line : lines) {
            if (!line.isBlank()) {
                names.add(line.trim());
            }
        }
        if (names.size() != defaults.size()) {
            throw new DataFileException(file, "lists " + names.size() + " class names, expected " + defaults.size());
        }
        return names;
    }
}
