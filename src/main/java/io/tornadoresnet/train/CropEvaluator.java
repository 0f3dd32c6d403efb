package io.tornadoresnet.train;

import io.tornadoresnet.data.Augmentation;
import io.tornadoresnet.data.Batch;
import io.tornadoresnet.data.BatchLoader;
import io.tornadoresnet.data.DataLoader;
import io.tornadoresnet.data.Dataset;
import io.tornadoresnet.data.Normalization;
import io.tornadoresnet.data.StreamingImages;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Tests that average a model's scores over several views of each image. The mirror test runs each
 * image of any data set and its horizontal mirror image, the test-time half of the training's
 * random flips. The paper's two ImageNet tests beyond the single centre crop (section 3.4) run on
 * a streaming image data set: the 10-crop test (the centre and four corners of the image resized to the
 * recipe's shorter side, and their mirror images) and the fully convolutional multi-scale test
 * (the model, which ends in global average pooling and so takes any height and width, run on the
 * whole image resized to each shorter side of {@link #PAPER_SCALES}). Each image's softmax scores
 * are averaged over its views; its loss is the negative log of the averaged score of its label,
 * its prediction the highest averaged score.
 */
public final class CropEvaluator {
    /** The shorter sides of the paper's multi-scale test. */
    public static final List<Integer> PAPER_SCALES = List.of(224, 256, 384, 480, 640);

    private CropEvaluator() {
    }

    /**
     * The mirror test with {@code imagesPerBatch} images (two rows each) per forward pass. The
     * mirror image is taken before normalisation, so that a per-pixel mean stays with its pixel.
     */
    public static Evaluator.Evaluation mirrored(Backend backend, ResNet model, Dataset data,
            Normalization normalization, int imagesPerBatch) {
        int classes = model.classes();
        Shape shape = data.imageShape();
        int size = shape.size();
        Scores scores = new Scores(classes);
        try (Backend.Executable inference = backend.compile(model.compileInference(2 * imagesPerBatch));
             DataLoader loader = data.loader(imagesPerBatch, BatchLoader.Options.evaluation(Normalization.none()))) {
            inference.pushModelState();
            Plan plan = inference.plan();
            float[] input = plan.input().data();
            float[] mean = new float[classes];
            loader.startEpoch(0);
            for (Batch b; (b = loader.next()) != null; ) {
                float[] images = b.images();
                for (int image = 0; image < b.count(); image++) {
                    System.arraycopy(images, image * size, input, 2 * image * size, size);
                    Augmentation.none().apply(shape, images, image * size, input, (2 * image + 1) * size, 0, 0, true);
                }
                Arrays.fill(input, 2 * b.count() * size, input.length, 0f);
                normalization.apply(input, 0, 2 * b.count());
                Arrays.fill(plan.labels(), -1);
                inference.run();
                float[] probabilities = plan.probabilities().data();
                for (int image = 0; image < b.count(); image++) {
                    for (int k = 0; k < classes; k++) {
                        mean[k] = (probabilities[2 * image * classes + k]
                                + probabilities[(2 * image + 1) * classes + k]) / 2;
                    }
                    scores.add(mean, 0, b.labels()[image]);
                }
            }
        }
        return scores.evaluation();
    }

    /** The 10-crop test with {@code imagesPerBatch} images (ten rows each) per forward pass. */
    public static Evaluator.Evaluation tenCrop(Backend backend, ResNet model, StreamingImages data,
            Normalization normalization, int imagesPerBatch) {
        int classes = model.classes();
        int views = 10;
        Scores scores = new Scores(classes);
        try (Backend.Executable inference = backend.compile(model.compileInference(imagesPerBatch * views));
             DataLoader loader = data.tenCropLoader(imagesPerBatch, normalization)) {
            inference.pushModelState();
            loader.startEpoch(0);
            float[] mean = new float[classes];
            for (Batch b; (b = loader.next()) != null; ) {
                float[] probabilities = run(inference, b);
                for (int image = 0; image < b.count() / views; image++) {
                    Arrays.fill(mean, 0f);
                    for (int v = 0; v < views; v++) {
                        int row = image * views + v;
                        for (int k = 0; k < classes; k++) {
                            mean[k] += probabilities[row * classes + k] / views;
                        }
                    }
                    scores.add(mean, 0, b.labels()[image * views]);
                }
            }
        }
        return scores.evaluation();
    }

    /**
     * The multi-scale test: for each shorter side in {@code scales}, every image resized to it and run
     * whole, one image at a time, through a copy of {@code model} compiled for that image's height
     * and width; an image's softmax scores are averaged over the scales, without mirror images (the
     * paper's section 3.4 names the scales alone). The scores of each image are kept until the last
     * scale (N x classes floats).
     *
     * <p>Why one image at a time: images of different aspect ratios have different shapes at a
     * scale, and a plan is compiled for one shape. Batching them would need every image's shape
     * before the first pass (a pass over the headers) and a plan for each group; one image a pass
     * needs neither, and a photograph collection comes in a few common aspect ratios, so the last
     * {@link #PLANS_KEPT} plans (least recently used out) serve nearly every image while memory
     * holds a few batch-1 plans. The scales run one after another, so that the plans kept are
     * those of one scale. Up to {@code data.settings().threads()} images ahead are decoded on
     * as many threads while the current one runs.
     */
    public static Evaluator.Evaluation multiScale(Backend backend, ResNet model, StreamingImages data,
            Normalization normalization, List<Integer> scales) {
        int classes = model.classes();
        int n = data.size();
        float[] sum = new float[Math.multiplyExact(n, classes)];
        int[] labels = new int[n];
        Arrays.fill(labels, -1);
        int threads = data.settings().threads();
        ExecutorService decoders = Executors.newFixedThreadPool(threads, runnable -> {
            Thread t = new Thread(runnable, "multi-scale-decoder");
            t.setDaemon(true);
            return t;
        });
        try (ShapePlans plans = new ShapePlans(backend, model, normalization)) {
            for (int side : scales) {
                ArrayDeque<Future<StreamingImages.ScaledImage>> ahead = new ArrayDeque<>();
                int next = 0;
                for (int i = 0; i < n; i++) {
                    while (next < n && next <= i + threads) {
                        int index = next++;
                        ahead.add(decoders.submit(() -> data.scaled(index, side)));
                    }
                    StreamingImages.ScaledImage image = await(ahead.remove());
                    if (image == null) {
                        continue;
                    }
                    float[] probabilities = plans.scores(image, side);
                    labels[i] = data.label(i);
                    for (int k = 0; k < classes; k++) {
                        sum[i * classes + k] += probabilities[k] / scales.size();
                    }
                }
            }
        } finally {
            decoders.shutdownNow();
        }
        Scores scores = new Scores(classes);
        for (int i = 0; i < n; i++) {
            scores.add(sum, i * classes, labels[i]);
        }
        return scores.evaluation();
    }

    /** Plans kept by the multi-scale test: one for each of the last image shapes met. */
    static final int PLANS_KEPT = 4;

    /** The decoded image, or the decoding thread's failure as it was thrown. */
    private static StreamingImages.ScaledImage await(Future<StreamingImages.ScaledImage> image) {
        try {
            return image.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while decoding an image", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Batch-1 inference plans of copies of one model, one per image shape, the least recently used
     * closed beyond {@link #PLANS_KEPT}; each with the normalisation for its shape.
     */
    private static final class ShapePlans implements AutoCloseable {
        private record Compiled(Backend.Executable inference, Normalization normalization) {
        }

        private final Backend backend;
        private final ResNet model;
        private final Normalization normalization;
        private final LinkedHashMap<Shape, Compiled> plans = new LinkedHashMap<>(16, 0.75f, true);
        private int side = -1;

        ShapePlans(Backend backend, ResNet model, Normalization normalization) {
            this.backend = backend;
            this.model = model;
            this.normalization = normalization;
        }

        /** Closes every plan when the scale changes: the next ones are for another side. */
        void clearUnless(int scale) {
            if (scale != side) {
                close();
                side = scale;
            }
        }

        /** The softmax scores of one image, run alone through the plan of its shape. */
        float[] scores(StreamingImages.ScaledImage image, int scale) {
            clearUnless(scale);
            Compiled compiled = plans.get(image.shape());
            if (compiled == null) {
                if (plans.size() == PLANS_KEPT) {
                    Iterator<Compiled> eldest = plans.values().iterator();
                    eldest.next().inference().close();
                    eldest.remove();
                }
                ResNet scaled = ResNets.create(model.name(), image.shape(), model.classes(), model.shortcut());
                copyState(model, scaled);
                compiled = new Compiled(backend.compile(scaled.compileInference(1)),
                        normalization.forShape(image.shape()));
                compiled.inference().pushModelState();
                plans.put(image.shape(), compiled);
            }
            Plan plan = compiled.inference().plan();
            float[] input = plan.input().data();
            System.arraycopy(image.pixels(), 0, input, 0, input.length);
            compiled.normalization().apply(input, 0, 1);
            plan.labels()[0] = -1;
            compiled.inference().run();
            return plan.probabilities().data();
        }

        @Override
        public void close() {
            plans.values().forEach(compiled -> compiled.inference().close());
            plans.clear();
        }
    }

    /** Runs the batch's rows through the plan; its labels are left out (the scores are what is wanted). */
    private static float[] run(Backend.Executable inference, Batch b) {
        Plan plan = inference.plan();
        int rowSize = plan.input().data().length / plan.batch();
        System.arraycopy(b.images(), 0, plan.input().data(), 0, b.count() * rowSize);
        Arrays.fill(plan.input().data(), b.count() * rowSize, plan.input().data().length, 0f);
        Arrays.fill(plan.labels(), -1);
        inference.run();
        return plan.probabilities().data();
    }

    private static void copyState(ResNet from, ResNet to) {
        Map<String, Tensor> target = to.stateDict();
        from.stateDict().forEach((name, tensor) -> {
            float[] data = tensor.data();
            System.arraycopy(data, 0, target.get(name).data(), 0, data.length);
        });
    }

    /** Sums of the loss and the correct answers over the images scored (those with a label). */
    private static final class Scores {
        private final int classes;
        private double lossSum;
        private long correct;
        private int images;

        Scores(int classes) {
            this.classes = classes;
        }

        void add(float[] probabilities, int offset, int label) {
            if (label < 0) {
                return;
            }
            int best = 0;
            for (int k = 1; k < classes; k++) {
                if (probabilities[offset + k] > probabilities[offset + best]) {
                    best = k;
                }
            }
            correct += best == label ? 1 : 0;
            lossSum -= Math.log(Math.max(probabilities[offset + label], Float.MIN_NORMAL));
            images++;
        }

        Evaluator.Evaluation evaluation() {
            return new Evaluator.Evaluation(lossSum / Math.max(1, images), (double) correct / Math.max(1, images),
                    images);
        }
    }
}
