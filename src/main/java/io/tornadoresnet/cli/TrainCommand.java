package io.tornadoresnet.cli;

import io.tornadoresnet.data.Dataset;
import io.tornadoresnet.data.Datasets;
import io.tornadoresnet.data.Splits;
import io.tornadoresnet.data.StreamingImages;
import io.tornadoresnet.data.SyntheticData;
import io.tornadoresnet.distributed.Collective;
import io.tornadoresnet.distributed.DataParallel;
import io.tornadoresnet.distributed.LocalWorkers;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.HostMemory;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.train.ComparisonPlot;
import io.tornadoresnet.train.ProgressBar;
import io.tornadoresnet.train.Recipe;
import io.tornadoresnet.train.StopSignal;
import io.tornadoresnet.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

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
import java.util.concurrent.Callable;

/**
 * Trains by a recipe from tasks/ (by default ResNet-20 on Fashion-MNIST). A recipe with several
 * models (the degradation task) trains each into its own folder and draws their curves together.
 */
@Command(name = "train", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        usageHelpWidth = 100,
        description = {"Train by a recipe (tasks/*.properties). The run's folder gets a progress log, metrics.csv, "
                + "curves.png, recipe.properties and last.safetensors.",
                "Options that set a recipe key override the task; they default to the task's value."})
final class TrainCommand implements Callable<Integer> {
    static final String DEFAULT_TASK = "tasks/fashion-mnist-resnet20.properties";
    private static final int SYNTHETIC_TRAIN = 2048;
    private static final int SYNTHETIC_TEST = 512;
    static final int MAX_WORKERS = 256;

    @ParentCommand
    private Main main;
    @Spec
    private CommandSpec spec;

    @Option(names = "--task", paramLabel = "FILE", defaultValue = DEFAULT_TASK,
            description = "The recipe (default: ${DEFAULT-VALUE}).")
    private String task;

    @Mixin
    private SetOption set;

    @Option(names = "--model", paramLabel = "NAME",
            description = "resnetN or plainN (recipe key model; replaces a task's list of models).")
    private String model;

    @Option(names = "--shortcut", paramLabel = "A|B", description = "Shortcut of the CIFAR family (shortcut).")
    private String shortcut;

    @Option(names = "--dataset", paramLabel = "KIND",
            description = "fashion-mnist, mnist, cifar10, cifar100, folder (an image folder, streamed) or tar (tar "
                    + "shards) (dataset).")
    private String dataset;

    @Option(names = "--data", paramLabel = "DIR",
            description = "The data set's folder (data; default: the data set's usual place).")
    private String data;

    @Option(names = "--input", paramLabel = "CxHxW",
            description = "Image shape the model takes (input; default: the data set's).")
    private String input;

    @Option(names = "--synthetic", description = "Train on " + SYNTHETIC_TRAIN + " generated images and test on "
            + SYNTHETIC_TEST + " (no data set needed; --input sets their shape, default 3x32x32).")
    private boolean synthetic;

    @Option(names = "--holdout", paramLabel = "N",
            description = "Hold out N training images as the test set; 0 uses the test split (holdout).")
    private String holdout;

    @Option(names = "--limit-train", paramLabel = "N", description = "Train on the first N images; 0 for all (limit_train).")
    private String limitTrain;

    @Option(names = "--limit-test", paramLabel = "N", description = "Test on the first N images; 0 for all (limit_test).")
    private String limitTest;

    @Option(names = "--epochs", paramLabel = "N", description = "Epochs, 1 to " + Recipe.MAX_EPOCHS + " (epochs).")
    private String epochs;

    @Option(names = "--batch", paramLabel = "N", description = "Images per step, 1 to " + Recipe.MAX_BATCH + " (batch).")
    private String batch;

    @Option(names = "--lr", paramLabel = "X", description = "Base (or peak) learning rate, above 0 (lr).")
    private String lr;

    @Option(names = "--schedule", paramLabel = "step|cosine|onecycle",
            description = "Learning-rate schedule (schedule; step uses the task's milestones).")
    private String schedule;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of initialisation, shuffling and augmentation (seed).")
    private String seed;

    @Option(names = "--checkpoint-every", paramLabel = "STEPS",
            description = "Also write last.safetensors every STEPS steps, so that a killed run loses at most that "
                    + "many; 0 writes it at epoch ends only (checkpoint_every; default: the task's, else 0).")
    private String checkpointEvery;

    @Option(names = "--strict", description = "An image file that cannot be decoded stops the run, instead of being "
            + "left out with a warning and counted in metrics.csv's skipped_files (strict=true).")
    private boolean strict;

    @Option(names = "--data-threads", paramLabel = "N",
            description = "Threads decoding image folders and tar shards; 0 for one per core (data_threads).")
    private String dataThreads;

    @Option(names = "--skip-nonfinite", description = "Leave out a batch whose loss is not finite (NaN, infinity) and "
            + "go on, instead of stopping the run (skip_nonfinite=true; default: the task's, else false).")
    private boolean skipNonfinite;

    @Option(names = "--accumulate", paramLabel = "K", description = "Gradient accumulation: each step runs K "
            + "micro-batches of batch/K images and applies one update with their mean gradient; batch norm sees "
            + "each micro-batch, as in PyTorch (accumulate; default: the task's, else 1).")
    private String accumulate;

    @Option(names = "--ghost-batch", paramLabel = "N", description = "Each step's batch as N sub-batches with "
            + "their own batch-norm statistics and one update with their mean gradient: one worker doing what "
            + "--workers N does (ghost_batch; default: the task's, else 1).")
    private String ghostBatch;

    @Option(names = "--sync-bn", description = "With --workers: batch norm normalises with the statistics of the "
            + "global batch, its per-channel sums averaged over the workers in the forward and backward passes, as "
            + "PyTorch's SyncBatchNorm; jvm backend only (sync_bn=true; default: the task's, else false).")
    private boolean syncBn;

    @Option(names = "--workers", paramLabel = "N", description = "Data-parallel replicas in this process, 1 to "
            + MAX_WORKERS + ": each trains on its share of every batch (the global batch) and "
            + "the gradients are averaged; on the jvm backend they split the threads, on tornado see --devices "
            + "(default: 1).")
    private Integer workers;

    @Option(names = "--spark", paramLabel = "MASTER", arity = "0..1", fallbackValue = SparkTraining.SUBMIT,
            description = "Run the --workers as the tasks of one Apache Spark barrier stage on MASTER (local[N], "
                    + "spark://HOST:PORT, yarn, ...), averaging through a ring over TCP; rank 0 writes --out, which "
                    + "every executor must reach; each worker runs --threads threads (default: spark.task.cpus). Without a "
                    + "value (or '" + SparkTraining.SUBMIT + "'): spark-submit's master. A retried stage resumes from "
                    + "the run's last checkpoint.")
    private String spark;

    @Option(names = "--devices", paramLabel = "D:N,...", description = "With --backend tornado and --workers: "
            + "worker r runs on the r-th device of the list (cycling when shorter). Default: --device for all.")
    private String devices;

    @Mixin
    private BackendOptions backendOptions;

    @Option(names = "--out", paramLabel = "DIR",
            description = "The run's folder (default: runs/TASK-TIME, or the folder of --resume's checkpoint).")
    private Path out;

    @Option(names = "--resume", paramLabel = "FILE",
            description = "Continue a run from its last.safetensors, to the recipe's epoch count.")
    private Path resume;

    @Mixin
    private JsonOption json;

    @Override
    public Integer call() throws IOException {
        Recipe taskRecipe = Recipe.load(Home.resolve(task));
        Recipe recipe = recipe(taskRecipe);
        List<String> models = recipe.models();
        if (resume != null && models.size() > 1) {
            throw Usage.error(spec, "--resume continues one model's run; this task trains " + models
                    + ": resume each with --model NAME --out DIR/NAME --resume DIR/NAME/" + Trainer.CHECKPOINT);
        }
        if (recipe.syncBn() && recipe.backend().equals("tornado")) {
            throw Usage.error(spec, "--sync-bn runs on the jvm backend only: the tornado backend cannot average "
                    + "batch-norm sums between the kernels of a stage; use --backend jvm or leave out --sync-bn");
        }
        backendOptions.check(recipe.backend());
        int replicas = workers == null ? 1 : Usage.range(spec, "--workers", workers, 1, MAX_WORKERS);
        int parts = replicas * Math.max(recipe.accumulate(), recipe.ghostBatch());
        if (recipe.batch() % parts != 0) {
            throw Usage.error(spec, "--workers " + replicas + ": batch " + recipe.batch() + " does not split into "
                    + replicas + " workers x " + parts / replicas + " micro-batches: make it a multiple of " + parts);
        }
        if (devices != null && !recipe.backend().equals("tornado")) {
            throw Usage.error(spec, "--devices is for the tornado backend; the jvm backend's workers split --threads");
        }
        Path runDir = out != null ? out : resume != null ? resume.toAbsolutePath().getParent()
                : Path.of("runs", recipe.name() + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        if (resume != null && !Files.isRegularFile(resume)) {
            throw new IOException("--resume " + resume + ": no checkpoint file there");
        }
        OutputFolder.checkWritable(out != null ? "--out" : "the run folder", runDir);
        PrintStream stdout = main.out;
        String backendName = recipe.backend();
        boolean local = spark == null;
        if (!local) {
            requireSpark();
        }
        // Spark's workers load the data themselves; on Spark, Ctrl-C ends the driver and with it the stage
        try (Backend backend = replicas == 1 && local ? backendOptions.open(backendName) : null;
             StopSignal stop = local ? StopSignal.onInterrupt(main.err) : StopSignal.manual();
             SparkTraining cluster = local ? null : SparkTraining.start(spec, spark, recipe.name(), main.err)) {
            Dataset[] sets = local ? data(recipe, main.err) : null;
            List<Trainer.Result> results = new ArrayList<>();
            for (String name : models) {
                Path dir = models.size() == 1 ? runDir : runDir.resolve(name);
                try {
                    if (!local) {
                        String[] argv = spec.commandLine().getParseResult().originalArgs().toArray(String[]::new);
                        results.add(cluster.train(replicas, argv, taskRecipe, name, dir, resume));
                        continue;
                    }
                    ResNet network = network(name, sets, recipe);
                    Recipe modelRecipe = recipe.with("model", network.name());
                    if (replicas == 1) {
                        results.add(new Trainer(modelRecipe, network, backend, sets[0], sets[1], dir, main.err,
                                ProgressBar.redrawsOnStderr()).run(resume, stop));
                    } else {
                        results.add(LocalWorkers.train(replicas, modelRecipe,
                                () -> network(name, sets, recipe),
                                rank -> backendOptions.openWorker(backendName, rank, replicas, deviceList()),
                                sets[0], sets[1], dir, resume, main.err, ProgressBar.redrawsOnStderr(), stop));
                    }
                } catch (Trainer.StoppedException e) {
                    main.err.println(e.getMessage());
                    return e.exitStatus();
                } catch (HostMemory.TooLargeException e) {
                    throw e.purpose().equals("training")
                            ? new IllegalArgumentException(e.estimate() + ": lower --batch or raise -Xmx", e) : e;
                }
            }
            if (models.size() > 1) {
                Path figure = runDir.resolve(recipe.name() + ".png");
                List<Path> metrics = new ArrayList<>();
                for (String name : models) {
                    metrics.add(runDir.resolve(name).resolve(Trainer.METRICS));
                }
                ComparisonPlot.write(figure, models, metrics);
                stdout.println("comparison plot: " + figure);
            }
            for (Trainer.Result r : results) {
                stdout.printf("%s: test accuracy %.2f%%, train loss %.4f, %.0f s, %.0f img/s, checkpoint %s%n",
                        r.out().getFileName(), 100 * r.testAccuracy(), r.trainLoss(), r.trainSeconds(),
                        r.imagesPerSecond(), r.checkpoint());
            }
            json.print(stdout, results(recipe, backendName, runDir, results));
        }
        return 0;
    }

    /** What one worker of a run whose workers each parse this command line hands back. */
    record WorkerRun(Trainer.Result result, ResNet replica) {
    }

    /**
     * One worker's part of a run whose workers each parsed the driver's command line (the tasks of a
     * Spark stage): the recipe, data, model and backend as {@link #call()} makes them for --workers,
     * except that --threads (by default {@code taskCpus}) are this worker's own.
     *
     * @param task the task's recipe, before this command line's options
     * @param dir  the run's folder, written by rank 0
     */
    WorkerRun trainWorker(Recipe task, String model, Path dir, Path resume, Collective collective, int taskCpus,
                          PrintStream log) throws IOException {
        Recipe recipe = recipe(task);
        Dataset[] sets = data(recipe, log);
        ResNet replica = network(model, sets, recipe);
        try (Backend backend = backendOptions.openTaskWorker(recipe.backend(), collective.rank(), taskCpus,
                deviceList())) {
            Trainer.Result result = DataParallel.trainWorker(recipe.with("model", replica.name()), replica, backend,
                    sets[0], sets[1], collective, dir, resume, log,
                    collective.rank() == 0 && ProgressBar.redrawsOnStderr(), StopSignal.manual());
            return new WorkerRun(result, replica);
        }
    }

    private static ResNet network(String name, Dataset[] sets, Recipe recipe) {
        return ResNets.create(name, sets[0].imageShape(), sets[0].numClasses(), recipe.shortcut());
    }

    /** Spark is a provided dependency: scripts/resnet --spark and spark-submit put it on the classpath. */
    private static void requireSpark() {
        try {
            Class.forName("org.apache.spark.SparkContext", false, TrainCommand.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("--spark needs Apache Spark's jars on the classpath: run through "
                    + "scripts/resnet, which adds them, or spark-submit");
        }
    }

    private List<String> deviceList() {
        return devices == null ? null : List.of(devices.trim().split("\\s*,\\s*"));
    }

    private static Dataset[] data(Recipe recipe, PrintStream warnings) throws IOException {
        StreamingImages.Settings images = recipe.imageSettings()
                .withWarnings(line -> warnings.println("warning: " + line));
        return recipe.dataset().equals(Recipe.SYNTHETIC) ? syntheticData(recipe) : realData(recipe, images);
    }

    /** The task, then --set, then the options that name a recipe key: each checked before any work. */
    private Recipe recipe(Recipe task) {
        if (synthetic && dataset != null) {
            throw Usage.error(spec, "--synthetic and --dataset " + dataset + " exclude each other");
        }
        Usage.RecipeOptions options = new Usage.RecipeOptions()
                .put("--model", "model", model)
                .put("--model", "models", model == null ? null : "")
                .put("--shortcut", "shortcut", shortcut)
                .put("--dataset", "dataset", dataset)
                .put("--synthetic", "dataset", synthetic ? Recipe.SYNTHETIC : null)
                .put("--data", "data", data)
                .put("--input", "input", input)
                .put("--holdout", "holdout", holdout)
                .put("--limit-train", "limit_train", limitTrain)
                .put("--limit-test", "limit_test", limitTest)
                .put("--epochs", "epochs", epochs)
                .put("--batch", "batch", batch)
                .put("--lr", "lr", lr)
                .put("--schedule", "schedule", schedule)
                .put("--seed", "seed", seed)
                .put("--checkpoint-every", "checkpoint_every", checkpointEvery)
                .put("--skip-nonfinite", "skip_nonfinite", skipNonfinite ? "true" : null)
                .put("--accumulate", "accumulate", accumulate)
                .put("--ghost-batch", "ghost_batch", ghostBatch)
                .put("--strict", "strict", strict ? "true" : null)
                .put("--data-threads", "data_threads", dataThreads)
                .put("--sync-bn", "sync_bn", syncBn ? "true" : null)
                .put("--backend", "backend", backendOptions.name(null));
        return options.applyTo(spec, set.applyTo(task));
    }

    private static Map<String, Object> results(Recipe recipe, String backend, Path runDir,
                                               List<Trainer.Result> results) {
        List<String> models = recipe.models();
        Trainer.Result last = results.get(results.size() - 1);
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("task", recipe.name());
        o.put("model", models.get(models.size() - 1));
        o.put("test_accuracy", last.testAccuracy());
        o.put("test_loss", last.testLoss());
        o.put("train_loss", last.trainLoss());
        o.put("train_seconds", Math.round(last.trainSeconds() * 10) / 10.0);
        o.put("images_per_s", Math.round(last.imagesPerSecond() * 10) / 10.0);
        o.put("data_wait_seconds", Math.round(last.dataWaitSeconds() * 1000) / 1000.0);
        o.put("epochs", last.epochs());
        o.put("steps", last.steps());
        o.put("backend", backend);
        Trainer.Parallel parallel = last.parallel();
        o.put("workers", parallel == null ? 1 : parallel.workers());
        o.put("global_batch", recipe.batch());
        o.put("micro_batches", parallel == null ? 1 : parallel.microBatches());
        o.put("allreduce_bytes_per_step", parallel == null || parallel.workers() == 1 ? 0
                : parallel.allReduceBytesPerStep());
        o.put("allreduce_calls_per_step", parallel == null || parallel.workers() == 1 ? 0
                : parallel.allReduceCallsPerStep());
        o.put("allreduce_seconds", parallel == null ? 0.0 : Math.round(parallel.allReduceSeconds() * 1000) / 1000.0);
        if (parallel != null) {
            o.put("compute_seconds", Math.round(parallel.computeSeconds() * 1000) / 1000.0);
        }
        o.put("replicas_identical", parallel == null || parallel.replicasIdentical());
        o.put("checkpoint", last.checkpoint().toString());
        o.put("out", runDir.toString());
        if (results.size() > 1) {
            Map<String, Object> each = new LinkedHashMap<>();
            for (int i = 0; i < models.size(); i++) {
                each.put(models.get(i), results.get(i).testAccuracy());
            }
            o.put("test_accuracy_by_model", each);
        }
        return o;
    }

    private static Dataset[] syntheticData(Recipe recipe) {
        Shape shape = recipe.input() == null ? Shape.of(3, 32, 32) : recipe.input();
        Dataset all = SyntheticData.generate(shape, 10, SYNTHETIC_TRAIN + SYNTHETIC_TEST, 0.25f, recipe.seed());
        return limits(recipe, Splits.limit(all, SYNTHETIC_TRAIN),
                Splits.subset(all, range(SYNTHETIC_TRAIN, SYNTHETIC_TRAIN + SYNTHETIC_TEST)));
    }

    private static Dataset[] realData(Recipe recipe, StreamingImages.Settings settings) throws IOException {
        String kind = recipe.dataset();
        Path dir = recipe.data() == null ? Datasets.defaultDir(kind) : recipe.data();
        if (!Files.isDirectory(dir)) {
            throw new IOException("no " + kind + " data at " + dir + (kind.equals("fashion-mnist")
                    ? ": install Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist; scripts/resnet"
                    + " does it when run as root) or give --data DIR with the four IDX files"
                    : ": give --data DIR"));
        }
        Dataset train = Datasets.open(kind, dir, true, recipe.input(), recipe.resize(), settings);
        Dataset test;
        if (recipe.holdout() > 0) {
            Splits.Split split = Splits.holdOut(train, recipe.holdout(), recipe.seed());
            train = split.train();
            test = split.validation();
        } else {
            test = Datasets.open(kind, dir, false, recipe.input(), recipe.resize(), settings);
        }
        return limits(recipe, train, test);
    }

    private static Dataset[] limits(Recipe recipe, Dataset train, Dataset test) {
        return new Dataset[] {recipe.limitTrain() > 0 ? Splits.limit(train, recipe.limitTrain()) : train,
                recipe.limitTest() > 0 ? Splits.limit(test, recipe.limitTest()) : test};
    }

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }
}
