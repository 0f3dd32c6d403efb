package io.tornadoresnet.cli;

import io.tornadoresnet.data.Normalization;
import io.tornadoresnet.io.Checkpoint;
import io.tornadoresnet.io.CheckpointMetadata;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.train.SavedNormalization;
import io.tornadoresnet.train.Recipe;
import io.tornadoresnet.train.Trainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A checkpoint opened for eval and predict: the model with its weights, its normalisation, its recipe. */
record Checkpoints(ResNet model, Normalization normalization, Recipe recipe, List<String> classNames) {

    static Checkpoints open(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            throw new IOException("--checkpoint " + path + " is a folder; give the checkpoint file, e.g. "
                    + path.resolve(Trainer.CHECKPOINT));
        }
        if (!Files.isRegularFile(path)) {
            throw new IOException("--checkpoint " + path + ": no such file");
        }
        Checkpoint.Loaded checkpoint = Checkpoint.read(path);
        CheckpointMetadata meta = checkpoint.metadata();
        ResNet model = Checkpoint.model(checkpoint.contents());
        Checkpoint.restore(model, checkpoint.contents());
        Recipe recipe;
        try {
            recipe = meta.recipe().isEmpty() ? Recipe.defaults("checkpoint")
                    : Recipe.parse("checkpoint", meta.recipe());
        } catch (IllegalArgumentException e) {
            throw new IOException(path + ": the recipe it records is not valid: " + e.getMessage(), e);
        }
        return new Checkpoints(model, SavedNormalization.restore(meta.normalization(), model.imageShape()), recipe,
                meta.classNames());
    }

    String className(int index) {
        return index < classNames.size() ? classNames.get(index) : Integer.toString(index);
    }
}
