package io.tornadoresnet.cli;

import io.tornadoresnet.data.Images;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.Plan;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The top-5 classes of each image, with probabilities, from a checkpoint. */
final class PredictCommand implements Main.Command {
    private static final int TOP = 5;

    @Override
    public String summary() {
        return "--checkpoint FILE IMAGE... [--threads N] [--backend jvm|tornado] [--json]";
    }

    @Override
    public int run(Args args, PrintStream out) throws IOException {
        Checkpoints ck = Checkpoints.open(args.string("checkpoint", null));
        boolean json = args.flag("json");
        List<String> images = args.positional();
        if (images.isEmpty()) {
            throw new Args.UsageException("give one or more image files");
        }
        int imageSize = ck.model().imageShape().size();
        int resize = ck.recipe().integer("resize");
        List<Object> predictions = new ArrayList<>();
        try (Backend backend = Backends.fromArgs(args);
             Backend.Executable inference = backend.compile(ck.model().compileInference(images.size()))) {
            args.rejectUnknown();
            Plan plan = inference.plan();
            for (int i = 0; i < images.size(); i++) {
                Path file = Path.of(images.get(i));
                float[] pixels = resize > 0 ? Images.load(file, ck.model().imageShape(), resize)
                        : Images.load(file, ck.model().imageShape());
                System.arraycopy(pixels, 0, plan.input().data(), i * imageSize, imageSize);
                plan.labels()[i] = -1;
            }
            ck.normalization().apply(plan.input().data(), 0, images.size());
            inference.pushModelState();
            inference.run();
            float[] probabilities = plan.probabilities().data();
            int classes = ck.model().classes();
            for (int i = 0; i < images.size(); i++) {
                out.println(images.get(i) + ":");
                List<Object> top = new ArrayList<>();
                for (int index : topIndices(probabilities, i * classes, classes)) {
                    double p = probabilities[i * classes + index];
                    out.printf("  %6.2f%%  %s%n", 100 * p, ck.className(index));
                    Map<String, Object> entry = new LinkedHashMap<>();
                    entry.put("class", ck.className(index));
                    entry.put("index", index);
                    entry.put("probability", p);
                    top.add(entry);
                }
                Map<String, Object> prediction = new LinkedHashMap<>();
                prediction.put("image", images.get(i));
                prediction.put("top", top);
                predictions.add(prediction);
            }
        }
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("model", ck.model().name());
            o.put("predictions", predictions);
            out.println(Json.write(o));
        }
        return 0;
    }

    private static int[] topIndices(float[] p, int offset, int classes) {
        int k = Math.min(TOP, classes);
        int[] best = new int[k];
        boolean[] taken = new boolean[classes];
        for (int t = 0; t < k; t++) {
            int arg = -1;
            for (int c = 0; c < classes; c++) {
                if (!taken[c] && (arg < 0 || p[offset + c] > p[offset + arg])) {
                    arg = c;
                }
            }
            taken[arg] = true;
            best[t] = arg;
        }
        return best;
    }
}
