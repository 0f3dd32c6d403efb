package io.tornadoresnet.cli;

import io.tornadoresnet.data.Dataset;
import io.tornadoresnet.data.Datasets;
import io.tornadoresnet.data.Splits;
import io.tornadoresnet.data.StreamingImages;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.train.CropEvaluator;
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
import java.util.List;
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
            description = "fashion-mnist, mnist, cifar10, cifar100, folder or tar (recipe key dataset).")
    private String dataset;

    @Option(names = "--data", paramLabel = "DIR", description = "The data set's folder (data).")
    private String data;

    @Option(names = "--limit-test", paramLabel = "N", description = "Test on the first N images; 0 for all (limit_test).")
    private String limitTest;

    @Option(names = "--batch", paramLabel = "N", description = "Images per forward pass (eval_batch); with --crops flip,"
            + " half of it; with 10, a tenth; with multiscale, one (each image whole, of its own shape).")
    private String batch;

    @Option(names = "--crops", paramLabel = "1|flip|10|multiscale", defaultValue = "1",
            description = "1: the centre crop; flip: scores of the image and its mirror image averaged; 10: the 10-crop "
                    + "test; multiscale: scores of the whole image averaged over the shorter sides 224, 256, 384, 480, "
                    + "640 (10 and multiscale: image folders and tar shards; default: ${DEFAULT-VALUE}).")
    private String crops;

    @Option(names = "--strict", description = "An image file that cannot be decoded is an error, instead of being "
            + "left out with a warning (strict=true).")
    private boolean strict;

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
                .put("--batch", "eval_batch", batch)
                .put("--strict", "strict", strict ? "true" : null);
        if (!List.of("1", "flip", "10", "multiscale").contains(crops)) {
            throw Usage.error(spec, "--crops " + crops + ": must be 1, flip, 10 or multiscale");
        }
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
            boolean images = kind.equals("folder") || kind.equals("tar");
            if ((crops.equals("10") || crops.equals("multiscale")) && !images) {
                throw Usage.error(spec, "--crops " + crops + " needs an image folder or tar shards, not " + kind);
            }
            Dataset test = Datasets.open(kind, dir, false, images ? shape : null, recipe.resize(),
                    recipe.imageSettings().withWarnings(line -> main.err.println("warning: " + line)));
            if (recipe.limitTest() > 0) {
                test = Splits.limit(test, recipe.limitTest());
            }
            if (test.numClasses() != ck.model().classes()) {
                throw new IllegalArgumentException("the checkpoint has " + ck.model().classes() + " classes, " + test
                        + " has " + test.numClasses());
            }
            Evaluator.Evaluation e;
            int perPass = Math.min(recipe.evalBatch(), test.size());
            if (crops.equals("flip")) {
                e = CropEvaluator.mirrored(backend, ck.model(), test, ck.normalization(), Math.max(1, perPass / 2));
            } else if (crops.equals("10")) {
                e = CropEvaluator.tenCrop(backend, ck.model(), (StreamingImages) test, ck.normalization(),
                        Math.max(1, perPass / 10));
            } else if (crops.equals("multiscale")) {
                e = CropEvaluator.multiScale(backend, ck.model(), (StreamingImages) test, ck.normalization(),
                        CropEvaluator.PAPER_SCALES);
            } else {
                try (Backend.Executable inference = backend.compile(ck.model().compileInference(perPass))) {
                    inference.pushModelState();
                    e = Evaluator.evaluate(inference, test, ck.normalization());
                }
            }
            String views = switch (crops) {
                case "flip" -> ", with mirror images";
                case "10" -> ", 10 crops";
                case "multiscale" -> ", multi-scale";
                default -> "";
            };
            main.out.printf("%s on %s%s: accuracy %.2f%%, loss %.4f over %d images%n", ck.model().name(), test,
                    views, 100 * e.accuracy(), e.loss(), e.images());
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("model", ck.model().name());
            o.put("test_accuracy", e.accuracy());
            o.put("test_loss", e.loss());
            o.put("images", e.images());
            o.put("crops", crops);
            json.print(main.out, o);
        }
        return 0;
    }
}
