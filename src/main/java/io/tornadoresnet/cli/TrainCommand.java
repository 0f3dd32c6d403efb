package io.tornadoresnet.cli;

import io.tornadoresnet.data.Dataset;
import io.tornadoresnet.data.Datasets;
import io.tornadoresnet.data.Splits;
import io.tornadoresnet.data.SyntheticData;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.train.ComparisonPlot;
import io.tornadoresnet.train.ProgressBar;
import io.tornadoresnet.train.Recipe;
import io.tornadoresnet.train.StopSignal;
import io.tornadoresnet.train.Trainer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains by a recipe from tasks/ (by default ResNet-20 on Fashion-MNIST). A recipe with several
 * models (the degradation task) trains each into its own folder and draws their curves together.
 */
final class TrainCommand implements Main.Command {
    static final String DEFAULT_TASK = "tasks/fashion-mnist-resnet20.properties";
    /** The dataset name a recipe records for a --synthetic run. */
    static final String SYNTHETIC = "synthetic";
    private static final int SYNTHETIC_TRAIN = 2048;
    private static final int SYNTHETIC_TEST = 512;

    /** Command-line options that override a recipe key of the same meaning. */
    private static final Map<String, String> OVERRIDES = Map.ofEntries(
            Map.entry("model", "model"), Map.entry("data", "data"), Map.entry("dataset", "dataset"),
            Map.entry("epochs", "epochs"), Map.entry("batch", "batch"), Map.entry("lr", "lr"),
            Map.entry("schedule", "schedule"), Map.entry("limit-train", "limit_train"),
            Map.entry("limit-test", "limit_test"), Map.entry("backend", "backend"), Map.entry("seed", "seed"),
            Map.entry("shortcut", "shortcut"), Map.entry("holdout", "holdout"), Map.entry("input", "input"),
            Map.entry("checkpoint-every", "checkpoint_every"));

    @Override
    public String summary() {
        return "[--task tasks/NAME.properties] [--data DIR] [--epochs N] [--batch N] [--lr X] [--limit-train N]"
                + " [--limit-test N] [--threads N] [--backend jvm|tornado] [--seed S] [--out DIR] [--resume FILE]"
                + " [--model NAME] [--synthetic] [--checkpoint-every STEPS] [--skip-nonfinite] [--json]";
    }

    @Override
    public int run(Args args, PrintStream out) throws IOException {
        Path taskFile = Home.resolve(args.string("task", DEFAULT_TASK));
        Recipe recipe = Recipe.load(taskFile);
        Map<String, String> overrides = new LinkedHashMap<>();
        OVERRIDES.forEach((option, key) -> {
            String v = args.string(option, null);
            if (v != null) {
                overrides.put(key, v);
            }
        });
        if (overrides.containsKey("model")) {
            overrides.put("models", "");
        }
        recipe = recipe.with(overrides);
        boolean synthetic = args.flag("synthetic");
        if (synthetic) {
            recipe = recipe.with("dataset", SYNTHETIC);
        }
        if (args.flag("skip-nonfinite")) {
            recipe = recipe.with("skip_nonfinite", "true");
        }
        boolean json = args.flag("json");
        String outOption = args.string("out", null);
        String resumeOption = args.string("resume", null);
        try (Backend backend = Backends.fromArgs(withRecipeBackend(args, recipe));
             StopSignal stop = StopSignal.onInterrupt(System.err)) {
            args.rejectUnknown();
            Path runDir = outOption != null ? Path.of(outOption) : Path.of("runs", recipe.name() + "-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
            Path resume = resumeOption == null ? null : Path.of(resumeOption);
            if (resume != null && outOption == null) {
                runDir = resume.toAbsolutePath().getParent();
            }
            List<String> models = recipe.models();
            if (resume != null && models.size() > 1) {
                throw new Args.UsageException("--resume continues one model's run; this task trains " + models
                        + ": resume each with --model NAME --out DIR/NAME --resume DIR/NAME/" + Trainer.CHECKPOINT);
            }
            Dataset[] data = synthetic ? syntheticData(recipe) : realData(recipe);
            List<Trainer.Result> results = new ArrayList<>();
            for (String name : models) {
                ResNet model = ResNets.create(name, data[0].imageShape(), data[0].numClasses(),
                        Models.shortcut(recipe.get("shortcut")));
                Path dir = models.size() == 1 ? runDir : runDir.resolve(model.name());
                Trainer trainer = new Trainer(recipe.with("model", model.name()), model, backend, data[0], data[1],
                        dir, System.err, ProgressBar.redrawsOnStderr());
                try {
                    results.add(trainer.run(resume, stop));
                } catch (Trainer.StoppedException e) {
                    System.err.println(e.getMessage());
                    return e.exitStatus();
                }
            }
            if (models.size() > 1) {
                Path figure = runDir.resolve(recipe.name() + ".png");
                List<Path> metrics = new ArrayList<>();
                for (String name : models) {
                    metrics.add(runDir.resolve(name).resolve(Trainer.METRICS));
                }
                ComparisonPlot.write(figure, models, metrics);
                out.println("comparison plot: " + figure);
            }
            Trainer.Result last = results.get(results.size() - 1);
            for (Trainer.Result r : results) {
                out.printf("%s: test accuracy %.2f%%, train loss %.4f, %.0f s, %.0f img/s, checkpoint %s%n",
                        r.out().getFileName(), 100 * r.testAccuracy(), r.trainLoss(), r.trainSeconds(),
                        r.imagesPerSecond(), r.checkpoint());
            }
            if (json) {
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("task", recipe.name());
                o.put("model", models.get(models.size() - 1));
                o.put("test_accuracy", last.testAccuracy());
                o.put("test_loss", last.testLoss());
                o.put("train_loss", last.trainLoss());
                o.put("train_seconds", Math.round(last.trainSeconds() * 10) / 10.0);
                o.put("images_per_s", Math.round(last.imagesPerSecond() * 10) / 10.0);
                o.put("epochs", last.epochs());
                o.put("steps", last.steps());
                o.put("backend", backend.name());
                o.put("checkpoint", last.checkpoint().toString());
                o.put("out", runDir.toString());
                if (results.size() > 1) {
                    Map<String, Object> each = new LinkedHashMap<>();
                    for (int i = 0; i < models.size(); i++) {
                        each.put(models.get(i), results.get(i).testAccuracy());
                    }
                    o.put("test_accuracy_by_model", each);
                }
                out.println(Json.write(o));
            }
        }
        return 0;
    }

    /** The recipe names a backend; --backend on the command line wins. */
    private static Args withRecipeBackend(Args args, Recipe recipe) {
        return args.withDefault("backend", recipe.get("backend"));
    }

    private static Dataset[] syntheticData(Recipe recipe) {
        Shape shape = Shape.parse(recipe.get("input").isBlank() ? "3x32x32" : recipe.get("input"));
        long seed = Long.parseLong(recipe.get("seed"));
        Dataset all = SyntheticData.generate(shape, 10, SYNTHETIC_TRAIN + SYNTHETIC_TEST, 0.25f, seed);
        return limits(recipe, Splits.limit(all, SYNTHETIC_TRAIN),
                Splits.subset(all, range(SYNTHETIC_TRAIN, SYNTHETIC_TRAIN + SYNTHETIC_TEST)));
    }

    private static Dataset[] realData(Recipe recipe) throws IOException {
        String kind = recipe.get("dataset");
        Path dir = recipe.get("data").isBlank() ? Datasets.defaultDir(kind) : Path.of(recipe.get("data"));
        if (!Files.isDirectory(dir)) {
            throw new IOException("no " + kind + " data at " + dir + (kind.equals("fashion-mnist")
                    ? ": install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist; scripts/resnet"
                    + " does it when run as root) or give --data DIR with the four IDX files"
                    : ": give --data DIR"));
        }
        Shape shape = recipe.get("input").isBlank() ? null : Shape.parse(recipe.get("input"));
        int resize = recipe.integer("resize");
        Dataset train = Datasets.open(kind, dir, true, shape, resize);
        Dataset test;
        int holdout = recipe.integer("holdout");
        if (holdout > 0) {
            Splits.Split split = Splits.holdOut(train, holdout, Long.parseLong(recipe.get("seed")));
            train = split.train();
            test = split.validation();
        } else {
            test = Datasets.open(kind, dir, false, shape, resize);
        }
        return limits(recipe, train, test);
    }

    private static Dataset[] limits(Recipe recipe, Dataset train, Dataset test) {
        int limitTrain = recipe.integer("limit_train");
        int limitTest = recipe.integer("limit_test");
        return new Dataset[] {limitTrain > 0 ? Splits.limit(train, limitTrain) : train,
                limitTest > 0 ? Splits.limit(test, limitTest) : test};
    }

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }
}
