package io.tornadoresnet.cli;

import io.tornadoresnet.data.Dataset;
import io.tornadoresnet.data.Datasets;
import io.tornadoresnet.data.Splits;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.train.Evaluator;
import io.tornadoresnet.train.Recipe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/** Evaluates a checkpoint on a test set (by default the data set of its recipe). */
@Command(name = "eval", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        usageHelpWidth = 100, description = {"Test loss and accuracy of a checkpoint.",
        "The data set, its folder and the batch default to the recipe the checkpoint was trained by."})
final class EvalCommand implements Callable<Integer> {
    @ParentCommand
    private Main main;
    @Spec
    private CommandSpec spec;

    @Mixin
    private CheckpointOption checkpoint;

    @Option(names = "--dataset", paramLabel = "KIND",
            description = "fashion-mnist, mnist, cifar10, cifar100 or folder (recipe key dataset).")
    private String dataset;

    @Option(names = "--data", paramLabel = "DIR", description = "The data set's folder (data).")
    private String data;

    @Option(names = "--limit-test", paramLabel = "N", description = "Test on the first N images; 0 for all (limit_test).")
    private String limitTest;

    @Option(names = "--batch", paramLabel = "N", description = "Images per forward pass (eval_batch).")
    private String batch;

    @Mixin
    private SetOption set;
    @Mixin
    private BackendOptions backendOptions;
    @Mixin
    private JsonOption json;

    @Override
    public Integer call() throws IOException {
        // the options' values are checked before the checkpoint is read, then applied to its recipe
        String backendName = backendOptions.checkedName(set.valueOr("backend", "jvm"));
        Usage.RecipeOptions options = new Usage.RecipeOptions()
                .put("--dataset", "dataset", dataset)
                .put("--data", "data", data)
                .put("--limit-test", "limit_test", limitTest)
                .put("--batch", "eval_batch", batch);
        options.applyTo(spec, set.applyTo(Recipe.defaults("check")));
        Checkpoints ck = checkpoint.open();
        Recipe recipe = options.applyTo(spec, set.applyTo(ck.recipe()));
        String kind = recipe.dataset();
        if (kind.equals(Recipe.SYNTHETIC)) {
            throw Usage.error(spec, "this checkpoint was trained on synthetic data: give --dataset and --data");
        }
        Path dir = recipe.data() == null ? Datasets.defaultDir(kind) : recipe.data();
        try (Backend backend = backendOptions.open(backendName)) {
            Shape shape = ck.model().imageShape();
            Dataset test = Datasets.open(kind, dir, false, kind.equals("folder") ? shape : null, recipe.resize());
            if (recipe.limitTest() > 0) {
                test = Splits.limit(test, recipe.limitTest());
            }
            if (test.numClasses() != ck.model().classes()) {
                throw new IllegalArgumentException("the checkpoint has " + ck.model().classes() + " classes, " + test
                        + " has " + test.numClasses());
            }
            Evaluator.Evaluation e;
            try (Backend.Executable inference = backend.compile(ck.model().compileInference(
                    Math.min(recipe.evalBatch(), test.size())))) {
                inference.pushModelState();
                e = Evaluator.evaluate(inference, test, ck.normalization());
            }
            main.out.printf("%s on %s: accuracy %.2f%%, loss %.4f over %d images%n", ck.model().name(), test,
                    100 * e.accuracy(), e.loss(), e.images());
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("model", ck.model().name());
            o.put("test_accuracy", e.accuracy());
            o.put("test_loss", e.loss());
            o.put("images", e.images());
            json.print(main.out, o);
        }
        return 0;
    }
}
