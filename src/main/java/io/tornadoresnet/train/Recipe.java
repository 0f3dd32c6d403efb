package io.tornadoresnet.train;

import io.tornadoresnet.data.Augmentation;
import io.tornadoresnet.data.Datasets;
import io.tornadoresnet.data.Normalization;
import io.tornadoresnet.data.StreamingImages;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.nn.Sgd;
import io.tornadoresnet.nn.Shortcut;
import io.tornadoresnet.tensor.Shape;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * An experiment's recipe: a tasks/NAME.properties file (model, data, schedule, augmentation,
 * backend) with the command line's overrides, read into typed values and checked here, once.
 * Unknown keys and out-of-range values are rejected, so that a typo never silently falls back
 * to a default and a bad number never reaches the trainer.
 */
public final class Recipe {
    /** The data set name of a run on generated images. */
    public static final String SYNTHETIC = "synthetic";
    public static final int MAX_BATCH = 65_536;
    public static final int MAX_EPOCHS = 100_000;
    private static final int MAX_RESIZE = 8_192;
    private static final int MAX_PAD = 1_024;

    /** Every key a recipe may set, with its default. */
    private static final Map<String, String> DEFAULTS = defaults();

    private final String name;
    private final Map<String, String> values;

    private final List<String> models;
    private final Shortcut shortcut;
    private final String dataset;
    private final Path data;
    private final Shape input;
    private final int resize;
    private final int epochs;
    private final int batch;
    private final double lr;
    private final String schedule;
    private final String milestones;
    private final int warmupSteps;
    private final double warmupLr;
    private final Sgd sgd;
    private final Augmentation augmentation;
    private final Normalization.Kind normalization;
    private final int holdout;
    private final int limitTrain;
    private final int limitTest;
    private final long seed;
    private final String backend;
    private final int evalBatch;
    private final int checkpointEvery;
    private final boolean skipNonfinite;
    private final int accumulate;
    private final int ghostBatch;
    private final boolean strict;
    private final int dataThreads;
    private final boolean syncBn;

    /** A recipe value that cannot be used: names the key, the value and what is wrong. */
    public static final class BadValueException extends IllegalArgumentException {
        private final String key;
        private final String value;
        private final String problem;

        BadValueException(String key, String value, String problem) {
            super(key + "=" + value + ": " + problem);
            this.key = key;
            this.value = value;
            this.problem = problem;
        }

        public String key() {
            return key;
        }

        public String value() {
            return value;
        }

        public String problem() {
            return problem;
        }
    }

    private Recipe(String name, Map<String, String> given) {
        this.name = name;
        this.values = Collections.unmodifiableMap(new TreeMap<>(given));
        String many = get("models");
        String modelsKey = many.isBlank() ? "model" : "models";
        List<String> names = new ArrayList<>();
        for (String model : many.isBlank() ? List.of(get("model")) : List.of(many.trim().split("\\s*,\\s*"))) {
            names.add(valid(modelsKey, ResNets::canonicalName, model));
        }
        models = List.copyOf(names);
        shortcut = choice("shortcut", Map.of("a", Shortcut.A, "b", Shortcut.B));
        dataset = get("dataset");
        if (!dataset.equals(SYNTHETIC) && !Datasets.KINDS.contains(dataset)) {
            throw bad("dataset", "must be one of " + String.join(", ", Datasets.KINDS) + " or " + SYNTHETIC);
        }
        data = get("data").isBlank() ? null : valid("data", Path::of, get("data"));
        input = get("input").isBlank() ? null : valid("input", ResNets::parseInput, get("input"));
        resize = whole("resize", 0, MAX_RESIZE);
        epochs = whole("epochs", 1, MAX_EPOCHS);
        batch = whole("batch", 1, MAX_BATCH);
        lr = positive("lr");
        schedule = choice("schedule", Map.of("step", "step", "cosine", "cosine", "onecycle", "onecycle"));
        milestones = get("milestones");
        warmupSteps = whole("warmup_steps", 0, Integer.MAX_VALUE);
        warmupLr = number("warmup_lr");
        try {
            schedule(1, 1);
        } catch (IllegalArgumentException e) {
            throw bad("milestones", e.getMessage());
        }
        double momentum = number("momentum");
        if (momentum >= 1) {
            throw bad("momentum", "must be at least 0 and below 1");
        }
        double weightDecay = number("weight_decay");
        boolean nesterov = bool("nesterov");
        if (nesterov && momentum == 0) {
            throw bad("nesterov", "Nesterov momentum needs momentum above 0");
        }
        sgd = new Sgd((float) momentum, (float) weightDecay, nesterov);
        int pad = whole("augment_pad", 0, MAX_PAD);
        Augmentation.Padding padding = choice("augment_padding",
                Map.of("zero", Augmentation.Padding.ZERO, "reflect", Augmentation.Padding.REFLECT));
        boolean flip = bool("augment_flip");
        Augmentation augment = pad == 0 && !flip ? Augmentation.none() : Augmentation.of(pad, padding, flip);
        String scale = get("augment_scale").trim();
        if (!scale.isEmpty()) {
            String[] range = scale.split("\\s*,\\s*");
            int min;
            int max;
            try {
                if (range.length != 2) {
                    throw new NumberFormatException();
                }
                min = Integer.parseInt(range[0]);
                max = Integer.parseInt(range[1]);
            } catch (NumberFormatException e) {
                throw bad("augment_scale", "must be MIN,MAX, the range of the shorter side (e.g. 256,480)");
            }
            if (min <= 0 || max < min || max > MAX_RESIZE) {
                throw bad("augment_scale", "must be MIN,MAX with 0 < MIN <= MAX <= " + MAX_RESIZE);
            }
            augment = augment.withScale(min, max);
        }
        double lighting = number("augment_lighting");
        augment = lighting > 0 ? augment.withLighting((float) lighting) : augment;
        double erase = number("augment_erase");
        if (erase > 1) {
            throw bad("augment_erase", "must be a probability from 0 to 1");
        }
        augmentation = erase > 0 ? augment.withErasing((float) erase) : augment;
        normalization = choice("normalization", Map.of("none", Normalization.Kind.NONE,
                "pixel", Normalization.Kind.PIXEL_MEAN, "channel", Normalization.Kind.CHANNEL_MEAN_STD));
        holdout = whole("holdout", 0, Integer.MAX_VALUE);
        limitTrain = whole("limit_train", 0, Integer.MAX_VALUE);
        limitTest = whole("limit_test", 0, Integer.MAX_VALUE);
        seed = valid("seed", Long::parseLong, get("seed"));
        backend = choice("backend", Map.of("jvm", "jvm", "tornado", "tornado"));
        evalBatch = whole("eval_batch", 1, MAX_BATCH);
        checkpointEvery = whole("checkpoint_every", 0, Integer.MAX_VALUE);
        skipNonfinite = bool("skip_nonfinite");
        accumulate = whole("accumulate", 1, MAX_BATCH);
        ghostBatch = whole("ghost_batch", 1, MAX_BATCH);
        if (accumulate > 1 && ghostBatch > 1) {
            throw bad("ghost_batch", "and accumulate=" + accumulate + " exclude each other: both split the batch");
        }
        syncBn = bool("sync_bn");
        if (syncBn && ghostBatch > 1) {
            throw bad("ghost_batch", "and sync_bn=true exclude each other: ghost batches keep their own "
                    + "batch-norm statistics");
        }
        for (String key : List.of("accumulate", "ghost_batch")) {
            int parts = key.equals("accumulate") ? accumulate : ghostBatch;
            if (batch % parts != 0) {
                throw bad(key, "must divide batch " + batch + " into equal parts");
            }
        }
        strict = bool("strict");
        dataThreads = whole("data_threads", 0, 1024);
    }

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("description", "");
        d.put("model", "resnet20");
        d.put("models", "");
        d.put("shortcut", "A");
        d.put("dataset", "fashion-mnist");
        d.put("data", "");
        d.put("input", "");
        d.put("resize", "0");
        d.put("epochs", "15");
        d.put("batch", "128");
        d.put("lr", "0.1");
        d.put("schedule", "step");
        d.put("milestones", "");
        d.put("warmup_steps", "0");
        d.put("warmup_lr", "0.01");
        d.put("momentum", "0.9");
        d.put("weight_decay", "1e-4");
        d.put("nesterov", "false");
        d.put("augment_pad", "0");
        d.put("augment_padding", "zero");
        d.put("augment_flip", "false");
        d.put("augment_scale", "");
        d.put("augment_lighting", "0");
        d.put("augment_erase", "0");
        d.put("normalization", "channel");
        d.put("holdout", "0");
        d.put("limit_train", "0");
        d.put("limit_test", "0");
        d.put("seed", "0");
        d.put("backend", "jvm");
        d.put("eval_batch", "500");
        d.put("checkpoint_every", "0");
        d.put("skip_nonfinite", "false");
        d.put("accumulate", "1");
        d.put("ghost_batch", "1");
        d.put("strict", "false");
        d.put("data_threads", "0");
        d.put("sync_bn", "false");
        return d;
    }

    /** The recipe with only defaults. */
    public static Recipe defaults(String name) {
        return new Recipe(name, DEFAULTS);
    }

    /**
     * Reads a tasks/NAME.properties file.
     *
     * @throws IOException when the file cannot be read
     * @throws IllegalArgumentException naming the file and the key when a key or value is wrong
     */
    public static Recipe load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("no recipe at " + file);
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": not a properties file (" + e.getMessage() + ")", e);
        }
        Map<String, String> given = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> given.put(k, p.getProperty(k).trim()));
        String fileName = file.getFileName().toString();
        try {
            return defaults(fileName.endsWith(".properties") ? fileName.substring(0, fileName.length() - 11)
                    : fileName).with(given);
        } catch (BadValueException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * A copy with some keys replaced (command-line overrides), checked like a loaded recipe.
     *
     * @throws BadValueException for an unknown key or a value out of range
     */
    public Recipe with(Map<String, String> overrides) {
        Map<String, String> v = new LinkedHashMap<>(values);
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            if (!DEFAULTS.containsKey(e.getKey())) {
                throw new BadValueException(e.getKey(), e.getValue(), "no such recipe key; the keys are "
                        + String.join(", ", DEFAULTS.keySet()));
            }
            v.put(e.getKey(), e.getValue());
        }
        return new Recipe(name, v);
    }

    public Recipe with(String key, String value) {
        return with(Map.of(key, value));
    }

    /** The recipe as written, or the default, for one key (the text form of {@code recipe.properties}). */
    public String get(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("unknown recipe key '" + key + "'");
        }
        return v;
    }

    public String name() {
        return name;
    }

    /** The models of a multi-model task (the degradation comparison), or the one model. */
    public List<String> models() {
        return models;
    }

    public Shortcut shortcut() {
        return shortcut;
    }

    /** The data set kind ({@link Datasets#KINDS}) or {@link #SYNTHETIC}. */
    public String dataset() {
        return dataset;
    }

    /** The data folder, or null for the data set's default place. */
    public Path data() {
        return data;
    }

    /** The image shape the model takes, or null for the data set's own. */
    public Shape input() {
        return input;
    }

    /** The shorter side an image folder's images are resized to before cropping; 0 for none. */
    public int resize() {
        return resize;
    }

    public int epochs() {
        return epochs;
    }

    public int batch() {
        return batch;
    }

    public double lr() {
        return lr;
    }

    /** The learning rate of every step, for a run of these lengths. */
    public LearningRateSchedule schedule(long stepsPerEpoch, long totalSteps) {
        return LearningRateSchedule.parse(schedule, lr, milestones, stepsPerEpoch, totalSteps, warmupSteps, warmupLr);
    }

    public Sgd sgd() {
        return sgd;
    }

    public Augmentation augmentation() {
        return augmentation;
    }

    public Normalization.Kind normalization() {
        return normalization;
    }

    /** Training images held out as the test set; 0 to use the data set's test split. */
    public int holdout() {
        return holdout;
    }

    /** The first N training images only; 0 for all. */
    public int limitTrain() {
        return limitTrain;
    }

    /** The first N test images only; 0 for all. */
    public int limitTest() {
        return limitTest;
    }

    public long seed() {
        return seed;
    }

    /** jvm or tornado. */
    public String backend() {
        return backend;
    }

    public int evalBatch() {
        return evalBatch;
    }

    /** Steps between mid-epoch checkpoints; 0 for checkpoints at epoch ends only. */
    public int checkpointEvery() {
        return checkpointEvery;
    }

    /** Whether a batch whose loss is not finite is left out (the state put back) instead of stopping the run. */
    public boolean skipNonfinite() {
        return skipNonfinite;
    }

    /**
     * Micro-batches per step (gradient accumulation): each of batch / accumulate images, one update
     * with their mean gradient; batch-norm running statistics updated by each, as in PyTorch.
     */
    public int accumulate() {
        return accumulate;
    }

    /**
     * Sub-batches per step with their own batch-norm statistics (ghost batch norm): like
     * {@link #accumulate()}, but the running statistics average the sub-batches' updates, so that one
     * worker reproduces as many data-parallel workers.
     */
    public int ghostBatch() {
        return ghostBatch;
    }

    /** Whether an image file that cannot be decoded stops the run, instead of being left out with a warning. */
    public boolean strict() {
        return strict;
    }

    /** Threads decoding a streaming image data set; 0 for one per core. */
    public int dataThreads() {
        return dataThreads;
    }

    /** How a streaming image data set of this recipe decodes: its threads and strictness. */
    public StreamingImages.Settings imageSettings() {
        StreamingImages.Settings defaults = StreamingImages.Settings.defaults();
        return defaults.withThreads(dataThreads > 0 ? dataThreads : defaults.threads()).withStrict(strict);
    }

    /**
     * Whether data-parallel workers synchronise batch norm (PyTorch's SyncBatchNorm): the statistics
     * of the global batch rather than each worker's own. Nothing changes for one worker.
     */
    public boolean syncBn() {
        return syncBn;
    }

    /** The recipe as properties text, sorted by key: saved in a run's folder and in its checkpoints. */
    public String text() {
        StringBuilder b = new StringBuilder("# tornado-resnet recipe ").append(name).append('\n');
        values.forEach((k, v) -> b.append(k).append('=')
                .append(v.replace("\\", "\\\\").replace("\n", "\\n")).append('\n'));
        return b.toString();
    }

    /** Reads {@link #text()} back. */
    public static Recipe parse(String name, String text) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(text));
        Map<String, String> given = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> given.put(k, p.getProperty(k)));
        return defaults(name).with(given);
    }

    private BadValueException bad(String key, String problem) {
        return new BadValueException(key, get(key), problem);
    }

    /** The key's value, or a part of it, read; a failure names the key and its whole value. */
    private <T> T valid(String key, Function<String, T> reader, String text) {
        try {
            return reader.apply(text);
        } catch (NumberFormatException e) {
            throw bad(key, "not a whole number");
        } catch (IllegalArgumentException e) {
            throw bad(key, e.getMessage());
        }
    }

    private int whole(String key, int min, int max) {
        String range = max == Integer.MAX_VALUE ? min + " or more" : "from " + min + " to " + max;
        int v;
        try {
            v = Integer.parseInt(get(key).trim());
        } catch (NumberFormatException e) {
            throw bad(key, "must be a whole number, " + range);
        }
        if (v < min || v > max) {
            throw bad(key, "must be " + range);
        }
        return v;
    }

    /** A finite number, 0 or more. */
    private double number(String key) {
        double v;
        try {
            v = Double.parseDouble(get(key).trim());
        } catch (NumberFormatException e) {
            throw bad(key, "must be a number");
        }
        if (!Double.isFinite(v) || v < 0) {
            throw bad(key, "must be a finite number, 0 or more");
        }
        return v;
    }

    private double positive(String key) {
        double v;
        try {
            v = Double.parseDouble(get(key).trim());
        } catch (NumberFormatException e) {
            throw bad(key, "must be a number");
        }
        if (!Double.isFinite(v) || v <= 0) {
            throw bad(key, "must be a finite number above 0");
        }
        return v;
    }

    private boolean bool(String key) {
        return choice(key, Map.of("true", true, "false", false));
    }

    private <T> T choice(String key, Map<String, T> options) {
        T v = options.get(get(key).trim().toLowerCase(Locale.ROOT));
        if (v == null) {
            throw bad(key, "must be one of " + String.join(", ", new TreeMap<>(options).keySet()));
        }
        return v;
    }
}
