package io.tornadoresnet.cli;

import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.Sgd;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.Mode;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.train.Recipe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * Steady-state throughput on synthetic data: a few warm-up steps, then the median of several
 * timed blocks of steps (the median, because a shared machine is noisy).
 */
@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        usageHelpWidth = 100, description = "Measure steady-state images/s on synthetic data: the median of timed "
        + "blocks of steps, after warm-up steps.")
final class BenchCommand implements Callable<Integer> {
    private static final int MAX_STEPS = 1_000_000;

    @ParentCommand
    private Main main;
    @Spec
    private CommandSpec spec;
    @Mixin
    private ModelOptions modelOptions;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "128",
            description = "Images per step (default: ${DEFAULT-VALUE}).")
    private int batch;

    @Option(names = "--mode", paramLabel = "train|infer", defaultValue = "train",
            description = "A training step (forward, backward, SGD) or inference only (default: ${DEFAULT-VALUE}).")
    private Mode mode;

    @Option(names = "--iters", paramLabel = "N", defaultValue = "5",
            description = "Steps per timed block (default: ${DEFAULT-VALUE}).")
    private int iters;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "5",
            description = "Timed blocks; the median is reported (default: ${DEFAULT-VALUE}).")
    private int repeats;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "3",
            description = "Untimed steps after the first (default: ${DEFAULT-VALUE}).")
    private int warmup;

    @Mixin
    private BackendOptions backendOptions;
    @Mixin
    private JsonOption json;

    @Override
    public Integer call() {
        Usage.range(spec, "--batch", batch, 1, Recipe.MAX_BATCH);
        Usage.range(spec, "--iters", iters, 1, MAX_STEPS);
        Usage.range(spec, "--repeats", repeats, 1, MAX_STEPS);
        Usage.range(spec, "--warmup", warmup, 0, MAX_STEPS);
        String backendName = backendOptions.name("jvm");
        backendOptions.check(backendName);
        ResNet model = modelOptions.build();
        PrintStream out = main.out;
        try (Backend backend = backendOptions.open(backendName)) {
            model.initialize(0);
            Plan plan = mode == Mode.TRAIN ? model.compileTraining(batch, Sgd.PAPER)
                    : model.compileInference(batch);
            Random random = new Random(0);
            float[] x = plan.input().data();
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            for (int i = 0; i < batch; i++) {
                plan.labels()[i] = random.nextInt(model.classes());
            }
            if (plan.learningRate() != null) {
                plan.learningRate().data()[0] = 0.01f;
            }
            long compileStart = System.nanoTime();
            try (Backend.Executable step = backend.compile(plan)) {
                step.run();
                double firstStepSeconds = (System.nanoTime() - compileStart) / 1e9;
                for (int i = 0; i < warmup; i++) {
                    step.run();
                }
                double[] rates = new double[repeats];
                for (int r = 0; r < repeats; r++) {
                    long t = System.nanoTime();
                    for (int i = 0; i < iters; i++) {
                        step.run();
                    }
                    rates[r] = (double) batch * iters / ((System.nanoTime() - t) / 1e9);
                    out.printf("block %d/%d: %.1f images/s%n", r + 1, repeats, rates[r]);
                }
                double[] sorted = rates.clone();
                Arrays.sort(sorted);
                double median = sorted[repeats / 2];
                String modeName = mode.name().toLowerCase(Locale.ROOT);
                out.printf("%s %s %s batch %d on %s: median %.1f images/s (first step incl. compile %.2f s)%n",
                        model.name(), model.imageShape(), modeName, batch, backend.device(), median, firstStepSeconds);
                Map<String, Object> o = new LinkedHashMap<>();
                o.put("model", model.name());
                o.put("input", model.imageShape().toString());
                o.put("mode", modeName);
                o.put("backend", backend.name());
                o.put("device", backend.device());
                o.put("threads", backendOptions.threads());
                o.put("batch", batch);
                o.put("images_per_s", Math.round(median * 10) / 10.0);
                o.put("first_step_seconds", Math.round(firstStepSeconds * 1000) / 1000.0);
                o.put("loss", plan.loss());
                json.print(out, o);
            }
        }
        return 0;
    }
}
