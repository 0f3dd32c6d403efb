package io.tornadoresnet.cli;

import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.Sgd;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.Mode;
import io.tornadoresnet.plan.Plan;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Steady-state throughput on synthetic data: a few warm-up steps, then the median of several
 * timed blocks of steps (the median, because a shared machine is noisy).
 */
final class BenchCommand implements Main.Command {

    @Override
    public String summary() {
        return "--model NAME [--input CxHxW] [--classes K] [--batch N] [--mode train|infer] [--threads N]"
                + " [--iters N] [--repeats N] [--warmup N] [--backend jvm|tornado] [--device D:N] [--json]";
    }

    @Override
    public int run(Args args, PrintStream out) {
        ResNet model = Models.fromArgs(args, "resnet20");
        int batch = args.positiveInteger("batch", 128);
        String modeName = args.string("mode", "train");
        Mode mode = switch (modeName) {
            case "train" -> Mode.TRAIN;
            case "infer" -> Mode.INFER;
            default -> throw new Args.UsageException("--mode takes train or infer, got '" + modeName + "'");
        };
        int iters = args.positiveInteger("iters", 5);
        int repeats = args.positiveInteger("repeats", 5);
        int warmup = args.integer("warmup", 3);
        boolean json = args.flag("json");
        try (Backend backend = Backends.fromArgs(args)) {
            args.rejectUnknown();
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
                out.printf("%s %s %s batch %d on %s: median %.1f images/s (first step incl. compile %.2f s)%n",
                        model.name(), model.imageShape(), modeName, batch, backend.device(), median, firstStepSeconds);
                if (json) {
                    Map<String, Object> o = new LinkedHashMap<>();
                    o.put("model", model.name());
                    o.put("input", model.imageShape().toString());
                    o.put("mode", modeName);
                    o.put("backend", backend.name());
                    o.put("device", backend.device());
                    o.put("threads", args.positiveInteger("threads", Runtime.getRuntime().availableProcessors()));
                    o.put("batch", batch);
                    o.put("images_per_s", Math.round(median * 10) / 10.0);
                    o.put("first_step_seconds", Math.round(firstStepSeconds * 1000) / 1000.0);
                    o.put("loss", plan.loss());
                    out.println(Json.write(o));
                }
            }
        }
        return 0;
    }
}
