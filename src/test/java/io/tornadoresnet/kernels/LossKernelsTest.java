package io.tornadoresnet.kernels;

import static io.tornadoresnet.kernels.Support.assertClose;
import static io.tornadoresnet.kernels.Support.assertExactly;
import static io.tornadoresnet.kernels.Support.assertGradient;
import static io.tornadoresnet.kernels.Support.numericGradient;
import static io.tornadoresnet.kernels.Support.poisoned;
import static io.tornadoresnet.kernels.Support.toDouble;
import static io.tornadoresnet.kernels.Support.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LossKernelsTest {

    /** The outputs of softmaxCrossEntropy. */
    record Result(float[] grad, float[] loss, float[] correct) {
    }

    private static Result crossEntropy(float[] logits, int[] labels, int classes) {
        int n = labels.length;
        Result r = new Result(poisoned(n * classes), poisoned(n), poisoned(n));
        LossKernels.softmaxCrossEntropy(logits, labels, r.grad(), r.loss(), r.correct(), n, classes);
        return r;
    }

    @Test
    void lossAndCountByHand() {
        float[] logits = {
            1, 2, 3,          // label 2, the maximum: correct
            0.5f, 0.5f, -1,   // label 1, tied with class 0 for the maximum; the first maximum (0) is the answer: wrong
        };
        Result r = crossEntropy(logits, new int[] {2, 1}, 3);
        double loss0 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3;
        double loss1 = Math.log(2 * Math.exp(0.5) + Math.exp(-1)) - 0.5;
        assertClose(new double[] {loss0, loss1}, r.loss(), 1e-6, "loss per sample");
        assertExactly(new float[] {1, 0}, r.correct(), "correct per sample");

        float[] metrics = poisoned(2);
        LossKernels.batchMetrics(r.loss(), r.correct(), metrics, 2);
        assertEquals((loss0 + loss1) / 2, metrics[0], 1e-6, "mean loss");
        assertEquals(1f, metrics[1], "number correct");

        // gradient of the mean: (softmax - onehot) / n
        double e = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertEquals((Math.exp(3) / e - 1) / 2, r.grad()[2], 1e-7, "grad at the label");
        assertEquals(Math.exp(1) / e / 2, r.grad()[0], 1e-7, "grad elsewhere");
    }

    @Test
    void paddingRowsWithNegativeLabelsAddNothing() {
        float[] logits = {1, 2, 3, 9, 0, 0};
        Result padded = crossEntropy(logits, new int[] {2, -1}, 3);
        Result alone = crossEntropy(Arrays.copyOf(logits, 3), new int[] {2}, 3);
        assertEquals(alone.loss()[0], padded.loss()[0], 1e-7);
        assertExactly(new float[] {0f, 0f}, new float[] {padded.loss()[1], padded.correct()[1]}, "padding row");
        assertExactly(new float[] {0f, 0f, 0f}, Arrays.copyOfRange(padded.grad(), 3, 6), "padding gradient");
        for (int j = 0; j < 3; j++) {
            assertEquals(alone.grad()[j] / 2, padded.grad()[j], 1e-7, "n stays the divisor");
        }
        float[] metrics = poisoned(2);
        LossKernels.batchMetrics(padded.loss(), padded.correct(), metrics, 2);
        assertEquals(alone.loss()[0] / 2, metrics[0], 1e-7);
        assertEquals(1f, metrics[1]);
    }

    @Test
    void gradientMatchesFiniteDifferencesOfTheMeanLoss() {
        int n = 4;
        int classes = 5;
        Random random = new Random(60);
        float[] logits = uniform(random, n * classes);
        for (int i = 0; i < logits.length; i++) {
            logits[i] *= 3;
        }
        int[] labels = {0, 3, 4, 3};
        Result r = crossEntropy(logits, labels, classes);
        double[] expectedLoss = Reference.crossEntropy(toDouble(logits), labels, n, classes);
        assertClose(expectedLoss, r.loss(), Support.FORWARD_TOL, "loss per sample");
        double[] mean = new double[n];
        Arrays.fill(mean, 1.0 / n); // L = mean of the per-sample losses
        assertGradient(numericGradient(x -> Reference.crossEntropy(x, labels, n, classes), toDouble(logits), mean),
                r.grad(), "gradLogits");

        float[] expectedCorrect = new float[n];
        for (int b = 0; b < n; b++) {
            int best = 0;
            for (int j = 1; j < classes; j++) {
                if (logits[b * classes + j] > logits[b * classes + best]) {
                    best = j;
                }
            }
            expectedCorrect[b] = best == labels[b] ? 1 : 0;
        }
        assertExactly(expectedCorrect, r.correct(), "correct per sample");
    }

    @Test
    void largeLogitsStayFinite() {
        float[] logits = {
            1000, 0, -1000,
            1000, 0, -1000,
            1000, 1000, 1000,
            -1000, -1000, 1000,
        };
        int[] labels = {0, 1, 2, 0};
        Result r = crossEntropy(logits, labels, 3);
        assertClose(new double[] {0, 1000, Math.log(3), 2000}, r.loss(), 1e-6, "loss per sample");
        for (int b = 0; b < 4; b++) {
            double rowSum = 0;
            for (int j = 0; j < 3; j++) {
                float g = r.grad()[b * 3 + j];
                assertTrue(Float.isFinite(g), "grad finite at " + b + "," + j);
                rowSum += g;
            }
            assertEquals(0, rowSum, 1e-7, "softmax - onehot sums to 0, row " + b);
        }
        assertEquals(-0.25f, r.grad()[3 + 1], 1e-7, "(0 - 1) / n at a hopeless label");
        assertExactly(new float[] {1, 0, 0, 0}, r.correct(), "correct (a three-way tie answers class 0)");

        float[] probs = poisoned(logits.length);
        LossKernels.softmax(logits, probs, 4, 3);
        assertClose(Reference.softmax(toDouble(logits), 4, 3), probs, 1e-6, "softmax");
    }

    @Test
    void softmaxAgainstReference() {
        Random random = new Random(61);
        float[] logits = uniform(random, 3 * 10);
        float[] probs = poisoned(logits.length);
        LossKernels.softmax(logits, probs, 3, 10);
        assertClose(Reference.softmax(toDouble(logits), 3, 10), probs, Support.FORWARD_TOL, "probs");
    }

    @Test
    void batchMetricsByHand() {
        float[] metrics = poisoned(2);
        LossKernels.batchMetrics(new float[] {0.5f, 1.5f, 2.5f, 3.5f, 4f}, new float[] {1, 0, 1, 1, 0}, metrics, 5);
        assertExactly(new float[] {12f / 5, 3}, metrics, "metrics");
    }
}
