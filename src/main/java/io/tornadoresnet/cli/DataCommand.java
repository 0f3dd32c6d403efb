package io.tornadoresnet.cli;

import io.tornadoresnet.data.Batch;
import io.tornadoresnet.data.BatchLoader;
import io.tornadoresnet.data.DataLoader;
import io.tornadoresnet.data.Dataset;
import io.tornadoresnet.data.Datasets;
import io.tornadoresnet.data.Normalization;
import io.tornadoresnet.data.StageTimes;
import io.tornadoresnet.data.StreamingLoader;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.train.ProgressBar;
import io.tornadoresnet.train.Recipe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Streams one training epoch of an image folder or tar shards through reading, decoding and the
 * recipe's augmentation, without a model: whether the input can keep up with training.
 */
@Command(name = "data", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        usageHelpWidth = 100, description = {"Stream one epoch of an image folder or tar shards through decoding and "
        + "augmentation, without training: images/s, MB/s, time per stage, peak memory.",
        "The augmentation, resize and batch come from the task (the ImageNet recipe by default)."})
final class DataCommand implements Callable<Integer> {
    @ParentCommand
    private Main main;
    @Spec
    private CommandSpec spec;

    @Option(names = "--data", paramLabel = "DIR", required = true,
            description = "The data: DIR/train (or DIR itself) holds class folders or tar shards.")
    private Path data;

    @Option(names = "--dataset", paramLabel = "folder|tar", defaultValue = "folder",
            description = "An image folder or WebDataset tar shards (default: ${DEFAULT-VALUE}).")
    private String dataset;

    @Option(names = "--input", paramLabel = "CxHxW", defaultValue = "3x224x224",
            description = "The crop a model would take (default: ${DEFAULT-VALUE}).")
    private String input;

    @Option(names = "--threads", paramLabel = "N",
            description = "Decoding threads (default: the task's data_threads, else one per core).")
    private Integer threads;

    @Option(names = "--task", paramLabel = "FILE", defaultValue = "tasks/imagenet-resnet50.properties",
            description = "The recipe whose augmentation, resize, normalisation and batch apply (default: "
                    + "${DEFAULT-VALUE}).")
    private String task;

    @Option(names = "--batch", paramLabel = "N", description = "Images per batch (default: the task's).")
    private Integer batch;

    @Option(names = "--strict", description = "An image file that cannot be decoded is an error, not a warning.")
    private boolean strict;

    @Mixin
    private JsonOption json;

    @Override
    public Integer call() throws IOException {
        if (!dataset.equals("folder") && !dataset.equals("tar")) {
            throw Usage.error(spec, "--dataset " + dataset + ": must be folder or tar");
        }
        Shape shape;
        try {
            shape = ResNets.parseInput(input);
        } catch (IllegalArgumentException e) {
            throw Usage.error(spec, "--input " + input + ": " + e.getMessage());
        }
        if (threads != null && (threads < 1 || threads > 1024)) {
            throw Usage.error(spec, "--threads " + threads + ": must be from 1 to 1024");
        }
        if (batch != null && (batch < 1 || batch > Recipe.MAX_BATCH)) {
            throw Usage.error(spec, "--batch " + batch + ": must be from 1 to " + Recipe.MAX_BATCH);
        }
        Recipe recipe = Recipe.load(Home.resolve(task)).with(Map.of("input", input, "strict",
                Boolean.toString(strict)));
        if (!Files.isDirectory(data)) {
            throw new IOException("--data " + data + ": no such folder");
        }
        var settings = recipe.imageSettings().withWarnings(line -> main.err.println("warning: " + line));
        if (threads != null) {
            settings = settings.withThreads(threads);
        }
        int resize = recipe.resize() > 0 ? recipe.resize() : Math.max(shape.dim(1), shape.dim(2));
        Dataset images = Datasets.open(dataset, data, true, shape, resize, settings);
        int perBatch = Math.min(batch != null ? batch : recipe.batch(), images.size());
        BatchLoader.Options options = BatchLoader.Options.training(recipe.seed(), arithmeticOf(recipe, shape),
                recipe.augmentation());
        long images0;
        double seconds;
        StageTimes times;
        int skipped;
        try (DataLoader loader = images.loader(perBatch, options)) {
            ProgressBar bar = new ProgressBar(main.err, ProgressBar.redrawsOnStderr(), "data",
                    loader.batchesPerEpoch());
            long start = System.nanoTime();
            loader.startEpoch(0);
            long count = 0;
            int done = 0;
            for (Batch b; (b = loader.next()) != null; ) {
                count += b.count();
                bar.update(++done, count);
            }
            seconds = (System.nanoTime() - start) / 1e9;
            images0 = count;
            skipped = loader.skippedFiles();
            times = ((StreamingLoader) loader).times();
        }
        double rate = images0 / seconds;
        double megabytes = times.bytes() / 1e6;
        double peak = peakRssMegabytes();
        main.out.printf("%s: %,d images of %s in %.1f s with %d threads: %,.1f images/s, %.1f MB/s read%n",
                images, images0, shape, seconds, settings.threads(), rate, megabytes / seconds);
        main.out.printf("augmentation: %s; files left out: %d%n", recipe.augmentation(), skipped);
        StringBuilder stages = new StringBuilder("thread time per image:");
        double total = Arrays.stream(StageTimes.Stage.values()).mapToDouble(times::seconds).sum();
        Map<String, Object> stageMs = new LinkedHashMap<>();
        for (StageTimes.Stage stage : StageTimes.Stage.values()) {
            double ms = 1000 * times.seconds(stage) / Math.max(1, images0);
            stages.append(String.format(" %s %.2f ms (%.0f%%),", stage.label(), ms,
                    100 * times.seconds(stage) / Math.max(total, 1e-12)));
            stageMs.put(stage.label(), Math.round(ms * 1000) / 1000.0);
        }
        stages.setLength(stages.length() - 1);
        main.out.println(stages);
        main.out.printf("peak RSS %.0f MB%n", peak);
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("images", images0);
        o.put("images_per_s", Math.round(rate * 10) / 10.0);
        o.put("mb_per_s", Math.round(megabytes / seconds * 10) / 10.0);
        o.put("skipped", skipped);
        o.put("peak_rss_mb", Math.round(peak * 10) / 10.0);
        o.put("seconds", Math.round(seconds * 100) / 100.0);
        o.put("threads", settings.threads());
        o.put("stage_ms_per_image", stageMs);
        json.print(main.out, o);
        return 0;
    }

    /**
     * The recipe's kind of normalisation with neutral statistics (mean 0, std 1): the same
     * arithmetic per pixel, without the pass over the data that computing them takes.
     */
    private static Normalization arithmeticOf(Recipe recipe, Shape shape) {
        int channels = shape.dim(0);
        float[] ones = new float[channels];
        Arrays.fill(ones, 1f);
        return switch (recipe.normalization()) {
            case NONE -> Normalization.none();
            case PIXEL_MEAN -> Normalization.of(Normalization.Kind.PIXEL_MEAN, shape, new float[shape.size()],
                    new float[0]);
            case CHANNEL_MEAN_STD -> Normalization.of(Normalization.Kind.CHANNEL_MEAN_STD, shape,
                    new float[channels], ones);
        };
    }

    /** The process's peak resident memory (VmHWM), in MB; 0 where /proc cannot tell. */
    static double peakRssMegabytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024 / 1e6;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
        return 0;
    }
}
