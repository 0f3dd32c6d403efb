package io.tornadoresnet.cli;

import io.tornadoresnet.data.Normalization;
import io.tornadoresnet.io.Checkpoint;
import io.tornadoresnet.io.CheckpointMetadata;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.train.SavedNormalization;
import io.tornadoresnet.train.Recipe;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** A checkpoint opened for eval and predict: the model with its weights, its normalisation, its recipe. */
record Checkpoints(ResNet model, Normalization normalization, Recipe recipe, List<String> classNames) {

    static Checkpoints open(String file) throws IOException {
        if (file == null) {
            throw new Args.UsageException("--checkpoint FILE is required");
        }
        Checkpoint.Loaded checkpoint = Checkpoint.read(Path.of(file));
        CheckpointMetadata meta = checkpoint.metadata();
        ResNet model = Checkpoint.model(checkpoint.contents());
        Checkpoint.restore(model, checkpoint.contents());
        Recipe recipe = meta.recipe().isEmpty() ? Recipe.defaults("checkpoint") : Recipe.parse("checkpoint",
                meta.recipe());
        return new Checkpoints(model, SavedNormalization.restore(meta.normalization(), model.imageShape()), recipe,
                meta.classNames());
    }

    String className(int index) {
        return index < classNames.size() ? classNames.get(index) : Integer.toString(index);
    }
}
