package io.tornadoresnet.cli;

import io.tornadoresnet.data.Images;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.train.Recipe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** The top-5 classes of each image, with probabilities, from a checkpoint. */
@Command(name = "predict", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        usageHelpWidth = 100, description = "The top-5 classes of each image, with their probabilities.")
final class PredictCommand implements Callable<Integer> {
    private static final int TOP = 5;
    private static final int MAX_IMAGES = 4096;

    @ParentCommand
    private Main main;
    @Spec
    private CommandSpec spec;

    @Mixin
    private CheckpointOption checkpoint;

    @Parameters(paramLabel = "IMAGE", arity = "1..*",
            description = "PNG, JPEG, BMP or GIF files; resized and cropped as the checkpoint's recipe says.")
    private List<Path> images;

    @Mixin
    private SetOption set;
    @Mixin
    private BackendOptions backendOptions;
    @Mixin
    private JsonOption json;

    @Override
    public Integer call() throws IOException {
        if (images.size() > MAX_IMAGES) {
            throw Usage.error(spec, images.size() + " images: give at most " + MAX_IMAGES + " per call");
        }
        String backendName = backendOptions.checkedName(set.valueOr("backend", "jvm"));
        for (Path image : images) {
            if (!Files.isRegularFile(image)) {
                throw new IOException(image + ": no such image file");
            }
        }
        Checkpoints ck = checkpoint.open();
        Recipe recipe = set.applyTo(ck.recipe());
        int imageSize = ck.model().imageShape().size();
        List<Object> predictions = new ArrayList<>();
        try (Backend backend = backendOptions.open(backendName);
             Backend.Executable inference = backend.compile(ck.model().compileInference(images.size()))) {
            Plan plan = inference.plan();
            for (int i = 0; i < images.size(); i++) {
                Path file = images.get(i);
                float[] pixels = recipe.resize() > 0 ? Images.load(file, ck.model().imageShape(), recipe.resize())
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
                main.out.println(images.get(i) + ":");
                List<Object> top = new ArrayList<>();
                for (int index : topIndices(probabilities, i * classes, classes)) {
                    double p = probabilities[i * classes + index];
                    main.out.printf("  %6.2f%%  %s%n", 100 * p, ck.className(index));
                    Map<String, Object> entry = new LinkedHashMap<>();
                    entry.put("class", ck.className(index));
                    entry.put("index", index);
                    entry.put("probability", p);
                    top.add(entry);
                }
                Map<String, Object> prediction = new LinkedHashMap<>();
                prediction.put("image", images.get(i).toString());
                prediction.put("top", top);
                predictions.add(prediction);
            }
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", ck.model().name());
        o.put("predictions", predictions);
        json.print(main.out, o);
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
