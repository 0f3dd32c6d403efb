package io.tornadoresnet.cli;

import io.tornadoresnet.data.Normalization;
import io.tornadoresnet.io.Checkpoint;
import io.tornadoresnet.io.SafeTensors;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.train.NormalizationText;
import io.tornadoresnet.train.Recipe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** A checkpoint opened for eval and predict: the model with its weights, its normalisation, its recipe. */
record Checkpoints(ResNet model, Normalization normalization, Recipe recipe, List<String> classNames) {

    static Checkpoints open(String file) throws IOException {
        if (file == null) {
            throw new Args.UsageException("--checkpoint FILE is required");
        }
        Path path = Path.of(file);
        if (!Files.isRegularFile(path)) {
            throw new IOException("no checkpoint at " + path);
        }
        SafeTensors.Contents contents = SafeTensors.read(path);
        ResNet model = Checkpoint.model(contents.metadata());
        Checkpoint.restore(model, contents);
        String recipeText = contents.metadata().get("recipe");
        Recipe recipe = recipeText == null ? Recipe.defaults("checkpoint") : Recipe.parse("checkpoint", recipeText);
        String names = contents.metadata().get("class_names");
        List<String> classNames = names == null ? null : List.of(names.split("\n"));
        return new Checkpoints(model, NormalizationText.read(contents.metadata(), model.imageShape()), recipe,
                classNames);
    }

    String className(int index) {
        return classNames != null && index < classNames.size() ? classNames.get(index) : Integer.toString(index);
    }
}
