package io.tornadoresnet.cli;

import io.tornadoresnet.train.Recipe;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code --set key=value}: overrides any key of a recipe (tasks/*.properties) from the command line. */
final class SetOption {
    @Spec(Spec.Target.MIXEE)
    private CommandSpec spec;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override a recipe key of tasks/*.properties; repeatable (--set momentum=0.95 "
                    + "--set augment_flip=false). Options such as --epochs win over --set.")
    private Map<String, String> values = new LinkedHashMap<>();

    /** The value --set gives a key, or the fallback. */
    String valueOr(String key, String fallback) {
        return values.getOrDefault(key, fallback);
    }

    /** The recipe with the --set values; an unknown key or a bad value is a usage error naming it. */
    Recipe applyTo(Recipe recipe) {
        try {
            return recipe.with(values);
        } catch (Recipe.BadValueException e) {
            throw Usage.error(spec, "--set " + e.getMessage());
        }
    }
}
