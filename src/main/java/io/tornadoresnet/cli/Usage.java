package io.tornadoresnet.cli;

import io.tornadoresnet.train.Recipe;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

import java.util.LinkedHashMap;
import java.util.Map;

/** Mistakes in a command line: one line on stderr and exit status 2, before any work starts. */
final class Usage {
    private Usage() {
    }

    static ParameterException error(CommandSpec spec, String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    /** The value of a whole-number option, if it lies in [min, max]. */
    static int range(CommandSpec spec, String option, int value, int min, int max) {
        if (value < min || value > max) {
            throw error(spec, option + " " + value + ": must be from " + min + " to " + max);
        }
        return value;
    }

    /** Recipe keys that options of the command line set, each reported under its option when its value is bad. */
    static final class RecipeOptions {
        private final Map<String, String> values = new LinkedHashMap<>();
        private final Map<String, String> options = new LinkedHashMap<>();

        /** Sets a recipe key from an option; a null value (the option was not given) leaves the key alone. */
        RecipeOptions put(String option, String key, String value) {
            if (value != null) {
                values.put(key, value);
                options.put(key, option);
            }
            return this;
        }

        Recipe applyTo(CommandSpec spec, Recipe recipe) {
            try {
                return recipe.with(values);
            } catch (Recipe.BadValueException e) {
                String option = options.get(e.key());
                throw error(spec, option == null ? e.getMessage() : option + " " + e.value() + ": " + e.problem());
            }
        }
    }
}
