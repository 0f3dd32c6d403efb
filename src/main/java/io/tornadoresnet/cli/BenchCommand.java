package io.tornadoresnet.cli;

import io.tornadoresnet.backend.jvm.JvmBackend;
import io.tornadoresnet.backend.jvm.OpTimes;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * Steady-state throughput on synthetic data: a few warm-up steps, then the median of several
 * timed blocks of steps (the median, because a shared machine is noisy). With --devices, the same
 * measurement on the JVM backend and on each TornadoVM device, in one table.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        usageHelpWidth = 100, description = "Measure steady-state images/s on synthetic data: the median of timed "
        + "blocks of steps, after warm-up steps. GFLOP/s counts 2 FLOPs per multiply-add of the forward pass "
        + "('resnet info'), three times over for a training step (forward, input and weight gradients). Device "
        + "memory is what the plan's device buffers take (the tornado backend's; '-' on the JVM).")
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

    @Option(names = "--devices", paramLabel = "all|LIST", split = ",",
            description = "Measure on several backends and devices and print one table: 'all' (the JVM backend and "
                    + "every TornadoVM device found), or a list of jvm and TornadoVM DRIVER:DEVICE indices, e.g. "
                    + "jvm,0:0,1:0. --json then gives one object whose \"devices\" list has one object per device.")
    private List<String> devices;

    @Option(names = "--ops",
            description = "Also print where a step's time goes on the JVM backend: milliseconds per step for each "
                    + "convolution pass (by shape), fused chain and other op, over the timed blocks.")
    private boolean ops;

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
        ResNet model = modelOptions.build();
        if (devices != null) {
            if (ops) {
                throw Usage.error(spec, "--ops times one JVM backend: leave out --devices");
            }
            return onDevices(model);
        }
        String backendName = backendOptions.checkedName("jvm");
        if (ops && !backendName.equals("jvm")) {
            throw Usage.error(spec, "--ops times the JVM backend's steps (TornadoVM's own profiler times the device's "
                    + "tasks: -Dtornado.profiler=True)");
        }
        try (Backend backend = backendOptions.open(backendName)) {
            Map<String, Object> o = measure(model, backend);
            json.print(main.out, o);
        }
        return 0;
    }

    /** One row per device; a device that fails gets its reason in the table and the others still run. */
    private int onDevices(ResNet model) {
        if (backendOptions.name(null) != null) {
            throw Usage.error(spec, "--devices names the backends itself: leave out --backend");
        }
        List<String> targets = targets();
        PrintStream out = main.out;
        List<Map<String, Object>> rows = new ArrayList<>();
        for (String target : targets) {
            String backendName = target.equals("jvm") ? "jvm" : "tornado";
            out.printf("== %s%n", target);
            try (Backend backend = backendOptions.open(backendName, target.equals("jvm") ? null : target)) {
                Map<String, Object> row = measure(model, backend);
                row.put("id", target);
                rows.add(row);
            } catch (RuntimeException | LinkageError e) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("id", target);
                row.put("backend", backendName);
                row.put("error", Main.reason(e));
                out.printf("%s failed: %s%n", target, Main.reason(e));
                rows.add(row);
            }
        }
        String modeName = mode.name().toLowerCase(Locale.ROOT);
        out.printf("%n%s %s %s, batch %d (%.2f GFLOP per image)%n", model.name(), model.imageShape(), modeName, batch,
                flopsPerImage(model) / 1e9);
        out.printf("%-6s %-58s %12s %10s %13s %11s%n", "id", "device", "images/s", "GFLOP/s", "first step s",
                "memory MiB");
        for (Map<String, Object> row : rows) {
            if (row.containsKey("error")) {
                out.printf("%-6s %s%n", row.get("id"), "failed: " + row.get("error"));
                continue;
            }
            Object memory = row.get("device_memory_mib");
            out.printf("%-6s %-58s %12.1f %10.1f %13.2f %11s%n", row.get("id"), shorten((String) row.get("device"), 58),
                    (Double) row.get("images_per_s"), (Double) row.get("gflop_per_s"),
                    (Double) row.get("first_step_seconds"), memory == null ? "-" : String.format("%.1f", (Double) memory));
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", model.name());
        o.put("input", model.imageShape().toString());
        o.put("mode", modeName);
        o.put("batch", batch);
        o.put("gflop_per_image", round(flopsPerImage(model) / 1e9, 1e4));
        o.put("devices", rows);
        json.print(out, o);
        return rows.stream().anyMatch(r -> r.containsKey("error")) ? Main.FAILURE : 0;
    }

    private List<String> targets() {
        List<String> targets = new ArrayList<>();
        for (String d : devices) {
            String t = d.trim().toLowerCase(Locale.ROOT);
            if (t.equals("all")) {
                targets.add("jvm");
                try {
                    targets.addAll(BackendOptions.tornadoDevices());
                } catch (IllegalStateException e) {
                    main.out.println(e.getMessage());
                }
            } else if (t.equals("jvm") || t.matches("\\d+:\\d+")) {
                targets.add(t);
            } else {
                throw Usage.error(spec, "--devices " + d + ": give all, jvm or DRIVER:DEVICE (e.g. 0:0)");
            }
        }
        return targets.stream().distinct().toList();
    }

    /** Compiles the plan on the backend, times it, prints the blocks and a summary line; returns the results. */
    private Map<String, Object> measure(ResNet model, Backend backend) {
        PrintStream out = main.out;
        model.initialize(0);
        Plan plan = mode == Mode.TRAIN ? model.compileTraining(batch, Sgd.PAPER) : model.compileInference(batch);
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
        OpTimes times = ops ? new OpTimes() : null;
        long compileStart = System.nanoTime();
        try (Backend.Executable step = times == null ? backend.compile(plan) : ((JvmBackend) backend).compile(plan, times)) {
            step.run();
            double firstStepSeconds = (System.nanoTime() - compileStart) / 1e9;
            for (int i = 0; i < warmup; i++) {
                step.run();
            }
            if (times != null) {
                times.reset();
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
            long memory = step.deviceMemoryBytes();
            String modeName = mode.name().toLowerCase(Locale.ROOT);
            out.printf("%s %s %s batch %d on %s: median %.1f images/s (first step incl. compile %.2f s)%n",
                    model.name(), model.imageShape(), modeName, batch, backend.device(), median, firstStepSeconds);
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("model", model.name());
            o.put("input", model.imageShape().toString());
            o.put("mode", modeName);
            o.put("backend", backend.name());
            o.put("device", backend.device());
            o.put("threads", backend.name().equals("jvm") ? backendOptions.threads() : null);
            o.put("batch", batch);
            o.put("images_per_s", round(median, 10));
            o.put("gflop_per_s", round(median * flopsPerImage(model) / 1e9, 10));
            o.put("first_step_seconds", round(firstStepSeconds, 1000));
            o.put("device_memory_mib", memory < 0 ? null : round(memory / (1024.0 * 1024.0), 10));
            o.put("loss", plan.loss());
            if (times != null) {
                o.put("ops", opTable(times, iters * repeats));
            }
            return o;
        }
    }

    /** Prints the time per step of each label of {@code times}, over {@code steps} steps, and returns it for --json. */
    private List<Map<String, Object>> opTable(OpTimes times, int steps) {
        PrintStream out = main.out;
        List<OpTimes.Entry> entries = times.entries();
        double total = entries.stream().mapToDouble(OpTimes.Entry::seconds).sum();
        out.printf("per step, over the %d timed steps:%n%10s %7s %6s  %s%n", steps, "ms", "share", "calls", "op");
        List<Map<String, Object>> rows = new ArrayList<>();
        for (OpTimes.Entry e : entries) {
            double ms = e.seconds() * 1e3 / steps;
            double calls = (double) e.calls() / steps;
            out.printf("%10.2f %6.1f%% %6s  %s%n", ms, total > 0 ? 100 * e.seconds() / total : 0,
                    calls == Math.rint(calls) ? String.valueOf((long) calls) : String.format("%.2f", calls), e.label());
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("op", e.label());
            row.put("ms_per_step", round(ms, 1000));
            row.put("calls_per_step", round(calls, 100));
            rows.add(row);
        }
        out.printf("%10.2f %6.1f%%         all steps%n", total * 1e3 / steps, 100.0);
        return rows;
    }

    /** FLOPs of one image: 2 per multiply-add of the forward pass, three passes' worth for training. */
    private double flopsPerImage(ResNet model) {
        return 2.0 * model.macs() * (mode == Mode.TRAIN ? 3 : 1);
    }

    private static String shorten(String s, int width) {
        return s.length() <= width ? s : s.substring(0, width - 3) + "...";
    }

    private static double round(double value, double scale) {
        return Math.round(value * scale) / scale;
    }
}
