package io.tornadoresnet.train;

import io.tornadoresnet.data.Batch;
import io.tornadoresnet.data.BatchLoader;
import io.tornadoresnet.data.DataLoader;
import io.tornadoresnet.data.Dataset;
import io.tornadoresnet.data.Normalization;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.Plan;

import java.util.Arrays;

/** Runs an inference plan over a whole data set: mean loss and accuracy. */
public final class Evaluator {

    /** Loss averaged over the images, accuracy in [0,1]. */
    public record Evaluation(double loss, double accuracy, int images) {
        public double error() {
            return 1 - accuracy;
        }
    }

    private Evaluator() {
    }

    /**
     * The last batch may be partial: its unused rows get the label -1, which the loss kernel
     * leaves out of the loss and the correct count; so do images whose file could not be decoded.
     */
    public static Evaluation evaluate(Backend.Executable inference, Dataset data, Normalization normalization) {
        Plan plan = inference.plan();
        int batch = plan.batch();
        double lossSum = 0;
        long correct = 0;
        int images = 0;
        try (DataLoader loader = data.loader(batch, BatchLoader.Options.evaluation(normalization))) {
            loader.startEpoch(0);
            for (Batch b; (b = loader.next()) != null; ) {
                int n = b.count();
                System.arraycopy(b.images(), 0, plan.input().data(), 0, n * data.imageShape().size());
                System.arraycopy(b.labels(), 0, plan.labels(), 0, n);
                Arrays.fill(plan.labels(), n, batch, -1);
                inference.run();
                lossSum += (double) plan.loss() * batch;
                correct += plan.correct();
                images += n - b.skipped();
            }
        }
        return new Evaluation(lossSum / Math.max(1, images), (double) correct / Math.max(1, images), images);
    }
}
