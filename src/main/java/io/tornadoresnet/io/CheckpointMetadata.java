package io.tornadoresnet.io;

import io.tornadoresnet.nn.Shortcut;
import io.tornadoresnet.tensor.Shape;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a checkpoint says besides its tensors: the model to rebuild (model, input, classes,
 * shortcut), where training stood (whole epochs done, the global step, and the epoch in progress),
 * and how the run was made (seed, optimizer, dataset, class names, recipe, input normalisation).
 * Kept in the safetensors {@code __metadata__} as strings, under the keys PyTorch's side reads.
 *
 * @param epoch     epochs finished
 * @param step      batches consumed since the start of the run (skipped ones included)
 * @param partial   the epoch after {@code epoch}, as far as it went; {@link EpochProgress#NONE} at an epoch's end
 * @param recipe    the recipe's text, or empty
 * @param classNames the data set's class names, or empty
 */
public record CheckpointMetadata(String model, Shape input, int classes, Shortcut shortcut, int epoch, long step,
                                 EpochProgress partial, long seed, String optimizer, String dataset,
                                 List<String> classNames, String recipe, InputNormalization normalization) {

    public CheckpointMetadata {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(shortcut, "shortcut");
        Objects.requireNonNull(partial, "partial");
        Objects.requireNonNull(optimizer, "optimizer");
        Objects.requireNonNull(dataset, "dataset");
        classNames = List.copyOf(classNames);
        Objects.requireNonNull(recipe, "recipe");
        Objects.requireNonNull(normalization, "normalization");
    }

    /**
     * Sums over the batches of an unfinished epoch, so that a run resumed in the middle of it
     * reports the same epoch as an uninterrupted one; {@code skippedFiles} counts the training files
     * left out because they could not be decoded (all workers together), {@code dataWaitSeconds} the
     * part of {@code seconds} that training spent waiting for its next batch.
     */
    public record EpochProgress(int steps, int skipped, double lossSum, long correct, long images, double seconds,
                                int skippedFiles, double dataWaitSeconds) {
        public static final EpochProgress NONE = new EpochProgress(0, 0, 0, 0, 0, 0, 0, 0);
    }

    /** An input normalisation as plain values: kind ({@code none}, {@code pixel}, {@code channel}), mean and std. */
    public record InputNormalization(String kind, float[] mean, float[] std) {
        public static final InputNormalization NONE = new InputNormalization("none", new float[0], new float[0]);

        @Override
        public boolean equals(Object o) {
            return o instanceof InputNormalization n && kind.equals(n.kind) && Arrays.equals(mean, n.mean)
                    && Arrays.equals(std, n.std);
        }

        @Override
        public int hashCode() {
            return 31 * (31 * kind.hashCode() + Arrays.hashCode(mean)) + Arrays.hashCode(std);
        }

        @Override
        public String toString() {
            return kind + " mean " + Arrays.toString(mean) + " std " + Arrays.toString(std);
        }
    }

    /** Where training stood, in words: {@code end of epoch 2, step 40} or {@code epoch 3, step 47}. */
    public String position() {
        return partial.steps() == 0 ? "end of epoch " + epoch + ", step " + step
                : "epoch " + (epoch + 1) + ", step " + step;
    }

    /** The same run's metadata at another point of its training. */
    public CheckpointMetadata at(int epoch, long step, EpochProgress partial) {
        return new CheckpointMetadata(model, input, classes, shortcut, epoch, step, partial, seed, optimizer, dataset,
                classNames, recipe, normalization);
    }

    /** The string map kept in the file ({@code format} first). */
    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("format", Checkpoint.FORMAT);
        m.put("model", model);
        m.put("input", input.toString());
        m.put("classes", Integer.toString(classes));
        if (shortcut != Shortcut.NONE) {
            m.put("shortcut", shortcut.name());
        }
        m.put("epoch", Integer.toString(epoch));
        m.put("step", Long.toString(step));
        if (!partial.equals(EpochProgress.NONE)) {
            m.put("epoch_steps", Integer.toString(partial.steps()));
            m.put("epoch_skipped", Integer.toString(partial.skipped()));
            m.put("epoch_loss_sum", Double.toString(partial.lossSum()));
            m.put("epoch_correct", Long.toString(partial.correct()));
            m.put("epoch_images", Long.toString(partial.images()));
            m.put("epoch_seconds", Double.toString(partial.seconds()));
            m.put("epoch_skipped_files", Integer.toString(partial.skippedFiles()));
            m.put("epoch_data_wait_seconds", Double.toString(partial.dataWaitSeconds()));
        }
        m.put("seed", Long.toString(seed));
        putIfPresent(m, "optimizer", optimizer);
        putIfPresent(m, "dataset", dataset);
        putIfPresent(m, "class_names", String.join("\n", classNames));
        putIfPresent(m, "recipe", recipe);
        if (!normalization.equals(InputNormalization.NONE)) {
            m.put("normalization", normalization.kind());
            m.put("normalization_mean", join(normalization.mean()));
            m.put("normalization_std", join(normalization.std()));
        }
        return m;
    }

    /**
     * Reads the metadata of a checkpoint written here or by PyTorch's side (which writes only the
     * model keys); keys about training default to a run that has not started.
     *
     * @throws IllegalArgumentException naming the key that is missing or malformed
     */
    public static CheckpointMetadata fromMap(Map<String, String> m) {
        for (String key : new String[] {"model", "input", "classes"}) {
            if (!m.containsKey(key)) {
                throw new IllegalArgumentException("metadata lacks '" + key + "': not written by "
                        + Checkpoint.FORMAT + " or its PyTorch script");
            }
        }
        Shortcut shortcut = "B".equalsIgnoreCase(m.getOrDefault("shortcut", "A")) ? Shortcut.B : Shortcut.A;
        Shape input;
        try {
            input = Shape.parse(m.get("input"));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("metadata 'input' is not a shape like 3x32x32: '"
                    + m.get("input") + "'");
        }
        EpochProgress partial = new EpochProgress((int) whole(m, "epoch_steps"), (int) whole(m, "epoch_skipped"),
                real(m, "epoch_loss_sum"), whole(m, "epoch_correct"), whole(m, "epoch_images"),
                real(m, "epoch_seconds"), (int) whole(m, "epoch_skipped_files"), real(m, "epoch_data_wait_seconds"));
        String names = m.getOrDefault("class_names", "");
        InputNormalization normalization = m.containsKey("normalization")
                && !m.get("normalization").equals(InputNormalization.NONE.kind())
                ? new InputNormalization(m.get("normalization"), floats(m, "normalization_mean"),
                floats(m, "normalization_std"))
                : InputNormalization.NONE;
        return new CheckpointMetadata(m.get("model"), input, (int) whole(m, "classes"), shortcut,
                (int) whole(m, "epoch"), whole(m, "step"), partial, whole(m, "seed"), m.getOrDefault("optimizer", ""),
                m.getOrDefault("dataset", ""), names.isEmpty() ? List.of() : List.of(names.split("\n")),
                m.getOrDefault("recipe", ""), normalization);
    }

    private static void putIfPresent(Map<String, String> m, String key, String value) {
        if (!value.isEmpty()) {
            m.put(key, value);
        }
    }

    private static long whole(Map<String, String> m, String key) {
        String v = m.getOrDefault(key, "0");
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("metadata '" + key + "' is not a whole number: '" + v + "'");
        }
    }

    private static double real(Map<String, String> m, String key) {
        String v = m.getOrDefault(key, "0");
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("metadata '" + key + "' is not a number: '" + v + "'");
        }
    }

    /** Floats written with Float.toString, so that they read back exactly. */
    private static String join(float[] values) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            b.append(i == 0 ? "" : ",").append(values[i]);
        }
        return b.toString();
    }

    private static float[] floats(Map<String, String> m, String key) {
        String text = m.getOrDefault(key, "");
        if (text.isBlank()) {
            return new float[0];
        }
        String[] parts = text.split(",");
        float[] v = new float[parts.length];
        try {
            for (int i = 0; i < parts.length; i++) {
                v[i] = Float.parseFloat(parts[i]);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("metadata '" + key + "' is not a list of numbers");
        }
        return v;
    }
}
