package io.tornadoresnet.cli;

import io.tornadoresnet.data.Normalization;
import io.tornadoresnet.io.Checkpoint;
import io.tornadoresnet.io.SafeTensors;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.train.NormalizationText;
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
        SafeTensors.Contents contents = SafeTensors.read(path);
        ResNet model = Checkpoint.model(contents.metadata());
        Checkpoint.restore(model, contents);
        String recipeText = contents.metadata().get("recipe");
        Recipe recipe;
        try {
            recipe = recipeText == null ? Recipe.defaults("checkpoint") : Recipe.parse("checkpoint", recipeText);
        } catch (IllegalArgumentException e) {
            throw new IOException(path + ": the recipe it records is not valid: " + e.getMessage(), e);
        }
        String names = contents.metadata().get("class_names");
        List<String> classNames = names == null ? null : List.of(names.split("\n"));
        return new Checkpoints(model, NormalizationText.read(contents.metadata(), model.imageShape()), recipe,
                classNames);
    }

    String className(int index) {
        return classNames != null && index < classNames.size() ? classNames.get(index) : Integer.toString(index);
    }
}
