package io.tornadoresnet.train;

import io.tornadoresnet.data.Normalization;
import io.tornadoresnet.io.CheckpointMetadata.InputNormalization;
import io.tornadoresnet.tensor.Shape;

import java.util.Locale;

/**
 * A run's input normalisation as its checkpoints keep it, so that evaluation and prediction
 * normalise exactly as training did.
 */
public final class SavedNormalization {
    private SavedNormalization() {
    }

    public static InputNormalization of(Normalization n) {
        return n.kind() == Normalization.Kind.NONE ? InputNormalization.NONE
                : new InputNormalization(n.kind().name().toLowerCase(Locale.ROOT), n.mean(), n.std());
    }

    public static Normalization restore(InputNormalization saved, Shape imageShape) {
        Normalization.Kind kind;
        try {
            kind = Normalization.Kind.valueOf(saved.kind().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("checkpoint normalization '" + saved.kind() + "' is not one of "
                    + java.util.Arrays.toString(Normalization.Kind.values()).toLowerCase(Locale.ROOT));
        }
        return kind == Normalization.Kind.NONE ? Normalization.none()
                : Normalization.of(kind, imageShape, saved.mean(), saved.std());
    }
}
