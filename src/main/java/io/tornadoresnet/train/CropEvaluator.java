package io.tornadoresnet.train;

import io.tornadoresnet.data.Batch;
import io.tornadoresnet.data.DataLoader;
import io.tornadoresnet.data.Normalization;
import io.tornadoresnet.data.StreamingImages;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The paper's two ImageNet tests beyond the single centre crop (section 3.4), on a streaming
 * image data set: the 10-crop test (the centre and four corners of the image resized to the
 * recipe's shorter side, and their mirror images) and the multi-scale test (the model, which ends
 * in global average pooling, run on the image resized to each shorter side of
 * {@link #PAPER_SCALES}, here on its centre square, so that one plan per scale serves every
 * image). Each image's softmax scores are averaged over its views; its loss is the negative log of
 * the averaged score of its label, its prediction the highest averaged score.
 */
public final class CropEvaluator {
    /** The shorter sides of the paper's multi-scale test. */
    public static final List<Integer> PAPER_SCALES = List.of(224, 256, 384, 480, 640);

    private CropEvaluator() {
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
     * The multi-scale test: for each shorter side in {@code scales}, a copy of {@code model} for
     * that input size; {@code imagesPerBatch} images per forward pass at the model's own size, and
     * at another side as many as hold the same number of pixels (at least one), so that memory
     * stays that of the single-crop test. The scores of each image are kept until the last scale
     * (N x classes floats).
     */
    public static Evaluator.Evaluation multiScale(Backend backend, ResNet model, StreamingImages data,
            Normalization normalization, int imagesPerBatch, List<Integer> scales) {
        int classes = model.classes();
        int n = data.size();
        float[] sum = new float[Math.multiplyExact(n, classes)];
        int[] labels = new int[n];
        Arrays.fill(labels, -1);
        for (int side : scales) {
            Shape shape = Shape.of(model.imageShape().dim(0), side, side);
            ResNet scaled = ResNets.create(model.name(), shape, classes, model.shortcut());
            copyState(model, scaled);
            long pixels = (long) model.imageShape().dim(1) * model.imageShape().dim(2);
            int perPass = (int) Math.max(1, imagesPerBatch * pixels / ((long) side * side));
            try (Backend.Executable inference = backend.compile(scaled.compileInference(perPass));
                 DataLoader loader = data.scaleLoader(perPass, side, normalization.forShape(shape))) {
                inference.pushModelState();
                loader.startEpoch(0);
                for (Batch b; (b = loader.next()) != null; ) {
                    float[] probabilities = run(inference, b);
                    for (int row = 0; row < b.count(); row++) {
                        int index = b.indices()[row];
                        if (b.labels()[row] < 0) {
                            continue;
                        }
                        labels[index] = b.labels()[row];
                        for (int k = 0; k < classes; k++) {
                            sum[index * classes + k] += probabilities[row * classes + k] / scales.size();
                        }
                    }
                }
            }
        }
        Scores scores = new Scores(classes);
        for (int i = 0; i < n; i++) {
            scores.add(sum, i * classes, labels[i]);
        }
        return scores.evaluation();
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
