package io.tornadoresnet.data;

import io.tornadoresnet.tensor.Shape;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/** Views of a data set: a held-out validation split and a limit to the first n images. */
public final class Splits {

    /** A training part and the validation part held out of it. */
    public record Split(Dataset train, Dataset validation) {
    }

    private Splits() {
    }

    /**
     * Holds out {@code validationSize} images chosen at random: the last ones of a permutation
     * seeded by {@code seed} (a random choice, because image folders are sorted by class). Both parts
     * keep the original order. The paper's CIFAR-10 split is {@code holdOut(train, 5000, seed)}: 45k/5k.
     */
    public static Split holdOut(Dataset dataset, int validationSize, long seed) {
        int n = dataset.size();
        if (validationSize <= 0 || validationSize >= n) {
            throw new IllegalArgumentException("hold-out of " + validationSize + " images must be between 1 and "
                    + (n - 1) + " for " + dataset);
        }
        int[] order = new int[n];
        shuffle(order, new SplittableRandom(seed));
        int[] train = Arrays.copyOfRange(order, 0, n - validationSize);
        int[] validation = Arrays.copyOfRange(order, n - validationSize, n);
        Arrays.sort(train);
        Arrays.sort(validation);
        return new Split(part(dataset, train, "train part"), part(dataset, validation, "held-out part"));
    }

    /** The first {@code n} images (for --limit-train / --limit-test), or the data set itself if it has no more. */
    public static Dataset limit(Dataset dataset, int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("limit must be positive, not " + n);
        }
        if (n >= dataset.size()) {
            return dataset;
        }
        int[] first = new int[n];
        Arrays.setAll(first, i -> i);
        return part(dataset, first, "first " + n);
    }

    /** The images at {@code indices} of {@code dataset}, in that order. */
    public static Dataset subset(Dataset dataset, int[] indices) {
        for (int i : indices) {
            if (i < 0 || i >= dataset.size()) {
                throw new IndexOutOfBoundsException("index " + i + " outside " + dataset);
            }
        }
        return part(dataset, indices.clone(), "subset");
    }

    /** A part of a data set; a streaming one stays streaming (tar shards keep their file order). */
    private static Dataset part(Dataset dataset, int[] indices, String description) {
        return dataset instanceof StreamingImages images ? images.subset(indices, description)
                : new Subset(dataset, indices, description);
    }

    /** Fills {@code p} with a Fisher-Yates permutation of 0..p.length-1. */
    static void shuffle(int[] p, SplittableRandom random) {
        Arrays.setAll(p, i -> i);
        int n = p.length;
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
    }

    private static final class Subset implements Dataset {
        private final Dataset base;
        private final int[] indices;
        private final String description;

        Subset(Dataset base, int[] indices, String description) {
            this.base = base;
            this.indices = indices;
            this.description = description;
        }

        @Override
        public int size() {
            return indices.length;
        }

        @Override
        public Shape imageShape() {
            return base.imageShape();
        }

        @Override
        public List<String> classNames() {
            return base.classNames();
        }

        @Override
        public int label(int i) {
            return base.label(indices[i]);
        }

        @Override
        public void image(int i, float[] dst, int offset) {
            base.image(indices[i], dst, offset);
        }

        @Override
        public String toString() {
            return description + " of " + base + ": " + indices.length + " images";
        }
    }
}
