package io.tornadoresnet.train;

import io.tornadoresnet.data.Normalization;
import io.tornadoresnet.tensor.Shape;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Keeps a run's input normalisation in checkpoint metadata, so that evaluation and prediction
 * normalise exactly as training did: keys {@code normalization}, {@code normalization_mean},
 * {@code normalization_std} (comma-separated floats, written so that they read back exactly).
 */
public final class NormalizationText {
    private NormalizationText() {
    }

    public static Map<String, String> write(Normalization n) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("normalization", n.kind().name().toLowerCase(Locale.ROOT));
        m.put("normalization_mean", join(n.mean()));
        m.put("normalization_std", join(n.std()));
        return m;
    }

    /** The normalisation of a checkpoint; none when its metadata has no such keys. */
    public static Normalization read(Map<String, String> metadata, Shape imageShape) {
        String kind = metadata.get("normalization");
        if (kind == null) {
            return Normalization.none();
        }
        Normalization.Kind k = Normalization.Kind.valueOf(kind.toUpperCase(Locale.ROOT));
        if (k == Normalization.Kind.NONE) {
            return Normalization.none();
        }
        return Normalization.of(k, imageShape, split(metadata.get("normalization_mean")),
                split(metadata.get("normalization_std")));
    }

    private static String join(float[] values) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            b.append(i == 0 ? "" : ",").append(values[i]);
        }
        return b.toString();
    }

    private static float[] split(String text) {
        if (text == null || text.isBlank()) {
            return new float[0];
        }
        String[] parts = text.split(",");
        float[] v = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            v[i] = Float.parseFloat(parts[i]);
        }
        return v;
    }
}
