package io.tornadoresnet.train;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * An experiment's recipe: a tasks/NAME.properties file (model, data, schedule, augmentation,
 * backend), possibly overridden from the command line. Unknown keys are rejected, so that a typo
 * never silently falls back to a default.
 */
public final class Recipe {
    /** Every key a recipe may set, with its default. */
    private static final Map<String, String> DEFAULTS = defaults();

    private final String name;
    private final Map<String, String> values;

    private Recipe(String name, Map<String, String> values) {
        this.name = name;
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
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
        d.put("normalization", "channel");
        d.put("holdout", "0");
        d.put("limit_train", "0");
        d.put("limit_test", "0");
        d.put("seed", "0");
        d.put("backend", "jvm");
        d.put("eval_batch", "500");
        d.put("checkpoint_every", "0");
        d.put("skip_nonfinite", "false");
        return d;
    }

    /** The recipe with only defaults. */
    public static Recipe defaults(String name) {
        return new Recipe(name, DEFAULTS);
    }

    public static Recipe load(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("no recipe at " + file);
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        }
        Map<String, String> given = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> given.put(k, p.getProperty(k).trim()));
        String fileName = file.getFileName().toString();
        return defaults(fileName.endsWith(".properties") ? fileName.substring(0, fileName.length() - 11) : fileName)
                .with(given);
    }

    /** A copy with some keys replaced (command-line overrides). */
    public Recipe with(Map<String, String> overrides) {
        Map<String, String> v = new LinkedHashMap<>(values);
        for (Map.Entry<String, String> e : overrides.entrySet()) {
            if (!DEFAULTS.containsKey(e.getKey())) {
                throw new IllegalArgumentException("unknown recipe key '" + e.getKey() + "'; known keys: "
                        + String.join(", ", DEFAULTS.keySet()));
            }
            v.put(e.getKey(), e.getValue());
        }
        return new Recipe(name, v);
    }

    public Recipe with(String key, String value) {
        return with(Map.of(key, value));
    }

    public String name() {
        return name;
    }

    public String get(String key) {
        if (!DEFAULTS.containsKey(key)) {
            throw new IllegalArgumentException("unknown recipe key '" + key + "'");
        }
        return values.get(key);
    }

    public int integer(String key) {
        try {
            return Integer.parseInt(get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("recipe key " + key + " must be a whole number, got '" + get(key) + "'");
        }
    }

    public double real(String key) {
        try {
            return Double.parseDouble(get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("recipe key " + key + " must be a number, got '" + get(key) + "'");
        }
    }

    public boolean bool(String key) {
        String v = get(key);
        if (!Set.of("true", "false").contains(v)) {
            throw new IllegalArgumentException("recipe key " + key + " must be true or false, got '" + v + "'");
        }
        return Boolean.parseBoolean(v);
    }

    /** The models of a multi-model task (the degradation comparison), or the one model. */
    public List<String> models() {
        String many = get("models");
        return many.isBlank() ? List.of(get("model")) : List.of(many.trim().split("\\s*,\\s*"));
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
        p.load(new java.io.StringReader(text));
        Map<String, String> given = new LinkedHashMap<>();
        p.stringPropertyNames().forEach(k -> given.put(k, p.getProperty(k)));
        return defaults(name).with(given);
    }
}
