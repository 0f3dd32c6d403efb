package io.tornadoresnet.data;

import io.tornadoresnet.tensor.Shape;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Image files listed once and decoded as they are needed: either a tree {@code root/<class>/...}
 * (torchvision's ImageFolder layout: class folders sorted by name, names starting with '.'
 * skipped, the .jpg, .jpeg, .png and .bmp files anywhere below sorted by path), or a flat folder
 * of images with a {@value #LABELS} file whose lines read {@code FILE CLASS} (ImageNet's val/:
 * CLASS a class name, or its index; '#' starts a comment). The paths are held as UTF-8 names
 * relative to their class folder (to the root in a flat folder), packed into 64 KB blocks, with a
 * long that says where each one is and an int label: 25-35 bytes an image. The blocks, and the
 * {@link Chunks} of longs and labels, never move once written: listing a million files leaves no
 * grown and copied arrays behind for the collector to promote and keep until a full collection.
 */
public final class ImageFiles extends StreamingImages {
    /** The labels file of a flat folder. */
    public static final String LABELS = "labels.txt";

    private static final int BLOCK = 1 << 16;

    private final Path root;
    /** Whether the names are relative to the folder of their class (else to the root). */
    private final boolean inClassFolders;
    private final byte[][] blocks;
    /** Per image: its block (high 32 bits), its offset in the block (16 bits) and its length (16 bits). */
    private final Chunks.Longs names;
    private final Chunks.Ints labels;

    private ImageFiles(String description, Names listed, Shape shape, int resize, List<String> classNames,
            Settings settings, Set<Path> warned) {
        super(description, shape, resize, classNames, settings, warned);
        this.root = listed.root;
        this.inClassFolders = listed.inClassFolders;
        this.blocks = listed.blocks.toArray(new byte[0][]);
        this.names = listed.names;
        this.labels = listed.labels;
    }

    /**
     * Lists {@code root}: class folders, or a flat folder with a {@value #LABELS} file.
     *
     * @param classNames the classes labels refer to (the training part's, so that a test part
     *                   missing a class keeps the same labels), or null to take them from {@code root}
     */
    public static ImageFiles open(Path root, List<String> classNames, Shape shape, int resize, Settings settings)
            throws IOException {
        Images.checkTarget(shape, resize);
        if (!Files.isDirectory(root)) {
            throw new NoSuchFileException(root.toString(), null, "image folder does not exist");
        }
        return Files.isRegularFile(root.resolve(LABELS))
                ? labelled(root, classNames, shape, resize, settings)
                : folders(root, classNames, shape, resize, settings);
    }

    private static ImageFiles folders(Path root, List<String> given, Shape shape, int resize, Settings settings)
            throws IOException {
        List<String> found;
        try (Stream<Path> entries = Files.list(root)) {
            found = entries.filter(Files::isDirectory).map(p -> p.getFileName().toString())
                    .filter(name -> !name.startsWith(".")).sorted().toList();
        }
        if (found.isEmpty()) {
            throw new DataFileException(root, "no class folders (expected root/<class>/<image>.jpg|jpeg|png|bmp) and"
                    + " no " + LABELS);
        }
        List<String> classes = given == null ? found : given;
        Names names = new Names(root, true);
        for (String name : found) {
            int label = classes.indexOf(name);
            if (label < 0) {
                throw new DataFileException(root.resolve(name), "class folder not among the training classes");
            }
            List<Path> images;
            try (Stream<Path> walk = Files.walk(root.resolve(name), FileVisitOption.FOLLOW_LINKS)) {
                images = walk.filter(ImageFiles::isImage).sorted().toList();
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            if (images.isEmpty()) {
                settings.warnings().accept(root.resolve(name) + ": class folder without .jpg, .jpeg, .png or .bmp"
                        + " files; its class is kept, with no images");
            }
            Path folder = root.resolve(name);
            for (Path image : images) {
                names.add(folder.relativize(image), label);
            }
        }
        return names.build("image folder " + root, shape, resize, classes, settings, null);
    }

    private static ImageFiles labelled(Path root, List<String> given, Shape shape, int resize, Settings settings)
            throws IOException {
        Path file = root.resolve(LABELS);
        List<String[]> rows = new ArrayList<>();
        int lineNumber = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNumber++;
            String text = line.strip();
            if (text.isEmpty() || text.startsWith("#")) {
                continue;
            }
            String[] fields = text.split("\\s*[,\\s]\\s*");
            if (fields.length != 2) {
                throw new DataFileException(file, "line " + lineNumber + " is not 'FILE CLASS': " + line);
            }
            rows.add(fields);
        }
        List<String> classes = given;
        if (classes == null) {
            TreeSet<String> distinct = new TreeSet<>();
            rows.forEach(r -> distinct.add(r[1]));
            classes = List.copyOf(distinct);
        }
        Map<String, Integer> index = new HashMap<>();
        for (int k = 0; k < classes.size(); k++) {
            index.put(classes.get(k), k);
        }
        rows.sort((a, b) -> a[0].compareTo(b[0]));
        Names names = new Names(root, false);
        for (String[] row : rows) {
            Integer label = index.get(row[1]);
            if (label == null && row[1].matches("\\d+") && Integer.parseInt(row[1]) < classes.size()) {
                label = Integer.parseInt(row[1]);
            }
            if (label == null) {
                throw new DataFileException(file, "class '" + row[1] + "' of " + row[0] + " is not among the "
                        + classes.size() + " classes");
            }
            names.add(root.relativize(root.resolve(row[0])), label);
        }
        return names.build("image folder " + root + " (" + LABELS + ")", shape, resize, classes, settings, null);
    }

    /** The relative names of the images and their labels, packed into blocks and chunks as they are listed. */
    private static final class Names {
        private final Path root;
        private final boolean inClassFolders;
        private final List<byte[]> blocks = new ArrayList<>();
        private final Chunks.Longs names = new Chunks.Longs();
        private final Chunks.Ints labels = new Chunks.Ints();
        private int used = BLOCK;

        Names(Path root, boolean inClassFolders) {
            this.root = root;
            this.inClassFolders = inClassFolders;
        }

        /** Adds an image by its path relative to its class folder (or to the root in a flat folder). */
        void add(Path relative, int label) {
            add(relative.toString().getBytes(StandardCharsets.UTF_8), 0, -1, label);
        }

        /** Adds {@code length} bytes of {@code name} from {@code from} (all of it for -1). */
        void add(byte[] name, int from, int length, int label) {
            int n = length < 0 ? name.length : length;
            if (n >= BLOCK) {
                throw new IllegalArgumentException("a file name of " + n + " bytes");
            }
            if (used + n > BLOCK) {
                blocks.add(new byte[BLOCK]);
                used = 0;
            }
            System.arraycopy(name, from, blocks.get(blocks.size() - 1), used, n);
            names.add(((long) (blocks.size() - 1) << 32) | ((long) used << 16) | n);
            labels.add(label);
            used += n;
        }

        ImageFiles build(String description, Shape shape, int resize, List<String> classes, Settings settings,
                Set<Path> warned) throws DataFileException {
            if (labels.size() == 0) {
                throw new DataFileException(root, "no images (.jpg, .jpeg, .png or .bmp)");
            }
            return new ImageFiles(description, this, shape, resize, classes, settings, warned);
        }
    }

    private static boolean isImage(Path p) {
        String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return Files.isRegularFile(p) && (name.endsWith(".png") || name.endsWith(".jpg") || name.endsWith(".jpeg")
                || name.endsWith(".bmp"));
    }

    @Override
    public int size() {
        return labels.size();
    }

    @Override
    public int label(int i) {
        return labels.get(i);
    }

    @Override
    Path name(int i) {
        long at = names.get(i);
        String name = new String(blocks[(int) (at >>> 32)], (int) (at >>> 16) & 0xFFFF, (int) at & 0xFFFF,
                StandardCharsets.UTF_8);
        return (inClassFolders ? root.resolve(classNames().get(label(i))) : root).resolve(name);
    }

    @Override
    byte[] read(int i) throws IOException {
        Path file = name(i);
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new DataFileException(file, "no longer there (listed when the data set was opened)");
        } catch (IOException e) {
            throw new DataFileException(file, "cannot be read: " + e, e);
        }
    }

    /**
     * The order of each epoch: a permutation drawn from (seed, epoch) as {@link BatchLoader} draws it,
     * into one array per loader that every epoch fills anew. An array a loader's life long, rather
     * than one an epoch, is allocated once: at 4 bytes an image, a new one each epoch would reach
     * the old generation and stay there until a full collection, epoch after epoch.
     */
    @Override
    StreamingLoader.Order epochs() {
        int[] order = new int[size()];
        return (seed, epoch, shuffle, skip) -> {
            if (shuffle) {
                Splits.shuffle(order, new SplittableRandom(Seeds.mix(seed, epoch)));
            } else {
                Arrays.setAll(order, i -> i);
            }
            return indexStream(order, skip);
        };
    }

    @Override
    ImageFiles subset(int[] indices, String part) {
        Names subset = new Names(root, inClassFolders);
        for (int i : indices) {
            long at = names.get(i);
            subset.add(blocks[(int) (at >>> 32)], (int) (at >>> 16) & 0xFFFF, (int) at & 0xFFFF, label(i));
        }
        try {
            return subset.build(description() + ", " + part, imageShape(), resize(), classNames(), settings(),
                    warned());
        } catch (DataFileException e) {
            throw new IllegalArgumentException("an empty part of " + this);
        }
    }
}
