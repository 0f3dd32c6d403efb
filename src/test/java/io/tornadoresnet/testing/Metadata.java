package io.tornadoresnet.testing;

import io.tornadoresnet.io.CheckpointMetadata;
import io.tornadoresnet.nn.ResNet;

import java.util.List;

/** Checkpoint metadata for tests that need only the model and a position. */
public final class Metadata {
    private Metadata() {
    }

    public static CheckpointMetadata of(ResNet model, int epoch, long step) {
        return new CheckpointMetadata(model.name(), model.imageShape(), model.classes(), model.shortcut(), epoch, step,
                CheckpointMetadata.EpochProgress.NONE, 1, "", "", List.of(), "",
                CheckpointMetadata.InputNormalization.NONE);
    }
}
