package io.tornadoresnet.kernels;

import static io.tornadoresnet.kernels.Support.assertClose;
import static io.tornadoresnet.kernels.Support.assertGradient;
import static io.tornadoresnet.kernels.Support.numericGradient;
import static io.tornadoresnet.kernels.Support.poisoned;
import static io.tornadoresnet.kernels.Support.toDouble;
import static io.tornadoresnet.kernels.Support.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BatchNormKernelsTest {

    private static final float EPS = 1e-5f;
    private static final float MOMENTUM = 0.1f;

    /** The outputs of one training forward pass. */
    record Train(float[] mean, float[] invStd, float[] y) {
    }

    /** The full training forward: the five kernels in order; updates runningMean and runningVar. */
    private static Train trainForward(float[] x, float[] gamma, float[] beta, float[] runningMean, float[] runningVar,
                                      int n, int c, int hw) {
        float[] partial = poisoned(n * c);
        float[] mean = poisoned(c);
        float[] invStd = poisoned(c);
        float[] y = poisoned(n * c * hw);
        BatchNormKernels.channelSums(x, partial, n, c, hw);
        BatchNormKernels.finishMean(partial, mean, n, c, hw);
        BatchNormKernels.channelSquaredDeviations(x, mean, partial, n, c, hw);
        BatchNormKernels.finishVariance(partial, mean, invStd, runningMean, runningVar, n, c, hw, EPS, MOMENTUM);
        BatchNormKernels.normalizeBatch(x, mean, invStd, gamma, beta, y, n, c, hw);
        return new Train(mean, invStd, y);
    }

    /**
     * x [n=2][c=2][hw=2]. Channel 0 holds 1, 2 | 3, 4: mean 2.5, biased variance 1.25, unbiased 5/3.
     * Channel 1 holds 2, 2 | 6, 6: mean 4, biased variance 4, unbiased 16/3.
     */
    private static final float[] TINY = {1, 2, 2, 2, 3, 4, 6, 6};
    private static final float[] GAMMA = {1, 2};
    private static final float[] BETA = {0, 0.5f};

    @Test
    void trainingForwardByHand() {
        float[] partial = poisoned(4);
        BatchNormKernels.channelSums(TINY, partial, 2, 2, 2);
        Support.assertExactly(new float[] {3, 4, 7, 12}, partial, "channel sums [b][ch]");

        float[] runningMean = {0, 0};
        float[] runningVar = {1, 1};
        Train t = trainForward(TINY, GAMMA, BETA, runningMean, runningVar, 2, 2, 2);
        assertClose(new double[] {2.5, 4}, t.mean(), 1e-7, "mean");
        double s0 = Math.sqrt(1.25 + 1e-5);
        double s1 = Math.sqrt(4 + 1e-5);
        assertClose(new double[] {1 / s0, 1 / s1}, t.invStd(), 1e-6, "invStd");
        double[] expected = {
            -1.5 / s0, -0.5 / s0,               // b0 ch0: (x - 2.5) / s0
            -2 / s1 * 2 + 0.5, -2 / s1 * 2 + 0.5, // b0 ch1: (x - 4) / s1 * 2 + 0.5
            0.5 / s0, 1.5 / s0,                 // b1 ch0
            2 / s1 * 2 + 0.5, 2 / s1 * 2 + 0.5, // b1 ch1
        };
        assertClose(expected, t.y(), 1e-6, "y");
    }

    @Test
    void runningStatisticsAfterOneAndTwoSteps() {
        float[] runningMean = {0, 0}; // PyTorch's initial running statistics
        float[] runningVar = {1, 1};
        trainForward(TINY, GAMMA, BETA, runningMean, runningVar, 2, 2, 2);
        // mean: 0.9 * 0 + 0.1 * (2.5, 4); var: 0.9 * 1 + 0.1 * unbiased (5/3, 16/3)
        assertClose(new double[] {0.25, 0.4}, runningMean, 1e-6, "running mean, step 1");
        assertClose(new double[] {0.9 + 0.5 / 3, 0.9 + 1.6 / 3}, runningVar, 1e-6, "running var, step 1");

        float[] doubled = new float[TINY.length];
        for (int i = 0; i < TINY.length; i++) {
            doubled[i] = 2 * TINY[i]; // mean (5, 8), unbiased variance (20/3, 64/3)
        }
        trainForward(doubled, GAMMA, BETA, runningMean, runningVar, 2, 2, 2);
        assertClose(new double[] {0.9 * 0.25 + 0.5, 0.9 * 0.4 + 0.8}, runningMean, 1e-6, "running mean, step 2");
        assertClose(new double[] {0.9 * (0.9 + 0.5 / 3) + 2.0 / 3, 0.9 * (0.9 + 1.6 / 3) + 6.4 / 3}, runningVar, 1e-6,
                "running var, step 2");
    }

    @Test
    void inferenceUsesTheRunningStatistics() {
        float[] runningMean = {0.25f, 0.4f};
        float[] runningVar = {1.5f, 3f};
        float[] y = poisoned(TINY.length);
        BatchNormKernels.forwardInference(TINY, runningMean, runningVar, GAMMA, BETA, y, 2, 2, 2, EPS);
        double[] expected = new double[TINY.length];
        for (int i = 0; i < TINY.length; i++) {
            int ch = (i / 2) % 2;
            expected[i] = (TINY[i] - runningMean[ch]) / Math.sqrt(runningVar[ch] + 1e-5) * GAMMA[ch] + BETA[ch];
        }
        assertClose(expected, y, 1e-6, "y");
        assertEquals(0.75 / Math.sqrt(1.5 + 1e-5), y[0], 1e-6, "y[0][0][0] = (1 - 0.25) / sqrt(1.5 + eps)");
        // and leaves the running statistics alone
        Support.assertExactly(new float[] {0.25f, 0.4f}, runningMean, "running mean");
        Support.assertExactly(new float[] {1.5f, 3f}, runningVar, "running var");
    }

    @ParameterizedTest(name = "n={0} c={1} hw={2}")
    @CsvSource({"3, 4, 5", "2, 3, 9", "8, 2, 1", "1, 2, 6"})
    void backwardMatchesFiniteDifferencesThroughTheBatchStatistics(int n, int c, int hw) {
        Random random = new Random(10 + n);
        float[] x = uniform(random, n * c * hw);
        for (int i = 0; i < x.length; i++) {
            x[i] = 2 * x[i] + 0.5f; // a mean and a variance away from 0 and 1
        }
        float[] gamma = uniform(random, c);
        float[] beta = uniform(random, c);
        float[] r = uniform(random, x.length);

        Train t = trainForward(x, gamma, beta, new float[c], new float[c], n, c, hw);
        float[] partialGamma = poisoned(n * c);
        float[] partialBeta = poisoned(n * c);
        BatchNormKernels.backwardPartials(r, x, t.mean(), t.invStd(), partialGamma, partialBeta, n, c, hw);
        float[] gradGamma = poisoned(c);
        float[] gradBeta = poisoned(c);
        ReduceKernels.sumGroups(partialGamma, gradGamma, n, c);
        ReduceKernels.sumGroups(partialBeta, gradBeta, n, c);
        float[] gradIn = poisoned(x.length);
        BatchNormKernels.backwardInput(r, x, t.mean(), t.invStd(), gamma, gradGamma, gradBeta, gradIn, n, c, hw);

        double[] xD = toDouble(x);
        double[] gammaD = toDouble(gamma);
        double[] betaD = toDouble(beta);
        double[] rD = toDouble(r);
        assertClose(Reference.batchNormTrain(xD, gammaD, betaD, n, c, hw, 1e-5), t.y(), Support.FORWARD_TOL, "y");
        assertGradient(numericGradient(v -> Reference.batchNormTrain(v, gammaD, betaD, n, c, hw, 1e-5), xD, rD),
                gradIn, "gradIn");
        assertGradient(numericGradient(g -> Reference.batchNormTrain(xD, g, betaD, n, c, hw, 1e-5), gammaD, rD),
                gradGamma, "gradGamma");
        assertGradient(numericGradient(bt -> Reference.batchNormTrain(xD, gammaD, bt, n, c, hw, 1e-5), betaD, rD),
                gradBeta, "gradBeta");
    }

    /**
     * The synchronised kernels over R replicas' shares, their sums averaged as the replicas average
     * them, against the plain kernels over the whole batch: the same statistics, running statistics
     * (the unbiased variance of all R shares' values), output and input gradient, up to the rounding
     * of a one-pass variance; gamma's and beta's gradients stay each share's own.
     */
    @ParameterizedTest(name = "replicas={0} n={1} c={2} hw={3}")
    @CsvSource({"2, 3, 4, 5", "3, 2, 3, 9", "2, 1, 2, 6"})
    void synchronisedSharesMatchTheWholeBatch(int replicas, int n, int c, int hw) {
        Random random = new Random(20 + replicas * n);
        int share = n * c * hw;
        float[] x = uniform(random, replicas * share);
        for (int i = 0; i < x.length; i++) {
            x[i] = 2 * x[i] + 0.5f;
        }
        float[] gamma = uniform(random, c);
        float[] beta = uniform(random, c);
        float[] dy = uniform(random, x.length);
        float[] wholeMean = uniform(random, c);
        float[] wholeVar = uniform(random, c);
        float[] shareMean = wholeMean.clone();
        float[] shareVar = wholeVar.clone();
        Train whole = trainForward(x, gamma, beta, wholeMean, wholeVar, replicas * n, c, hw);
        float[] wholeGradIn = new float[x.length];
        float[] wholeGradGamma = new float[c];
        float[] wholeGradBeta = new float[c];
        backward(dy, x, whole, gamma, wholeGradGamma, wholeGradBeta, wholeGradIn, replicas * n, c, hw);

        float[] averaged = new float[2 * c];
        float[][] sums = new float[replicas][2 * c];
        for (int r = 0; r < replicas; r++) {
            float[] partial = poisoned(n * 2 * c);
            BatchNormKernels.channelSumsAndSquares(slice(x, r, share), partial, n, c, hw);
            ReduceKernels.sumGroups(partial, sums[r], n, 2 * c);
            for (int i = 0; i < 2 * c; i++) {
                averaged[i] += sums[r][i] / replicas;
            }
        }
        float[] mean = poisoned(c);
        float[] invStd = poisoned(c);
        BatchNormKernels.finishFromSums(averaged, mean, invStd, shareMean, shareVar, c, n * hw, replicas, EPS,
                MOMENTUM);
        assertClose(toDouble(whole.mean()), mean, 1e-5, "mean");
        assertClose(toDouble(whole.invStd()), invStd, 1e-4, "invStd");
        assertClose(toDouble(wholeMean), shareMean, 1e-5, "running mean");
        assertClose(toDouble(wholeVar), shareVar, 1e-5, "running variance, unbiased over every replica's values");

        float[] gradSums = new float[2 * c];
        float[] shareGradGamma = new float[c];
        float[] shareGradBeta = new float[c];
        for (int r = 0; r < replicas; r++) {
            float[] xr = slice(x, r, share);
            float[] dyr = slice(dy, r, share);
            float[] y = poisoned(share);
            BatchNormKernels.normalizeBatch(xr, mean, invStd, gamma, beta, y, n, c, hw);
            assertClose(toDouble(slice(whole.y(), r, share)), y, 1e-4, "y of replica " + r);
            float[] partialGamma = poisoned(n * c);
            float[] partialBeta = poisoned(n * c);
            BatchNormKernels.backwardPartials(dyr, xr, mean, invStd, partialGamma, partialBeta, n, c, hw);
            float[] gradGamma = poisoned(c);
            float[] gradBeta = poisoned(c);
            ReduceKernels.sumGroups(partialGamma, gradGamma, n, c);
            ReduceKernels.sumGroups(partialBeta, gradBeta, n, c);
            float[] packed = poisoned(2 * c);
            BatchNormKernels.packGradientSums(gradGamma, gradBeta, packed, c);
            for (int ch = 0; ch < c; ch++) {
                assertEquals(gradGamma[ch], packed[ch]);
                assertEquals(gradBeta[ch], packed[c + ch]);
                shareGradGamma[ch] += gradGamma[ch];
                shareGradBeta[ch] += gradBeta[ch];
            }
            for (int i = 0; i < 2 * c; i++) {
                gradSums[i] += packed[i] / replicas;
            }
        }
        assertClose(toDouble(wholeGradGamma), shareGradGamma, 1e-4, "the shares' gamma gradients add up");
        assertClose(toDouble(wholeGradBeta), shareGradBeta, 1e-4, "the shares' beta gradients add up");
        for (int r = 0; r < replicas; r++) {
            float[] gradIn = poisoned(share);
            BatchNormKernels.backwardInputFromSums(slice(dy, r, share), slice(x, r, share), mean, invStd, gamma,
                    gradSums, gradIn, n, c, hw);
            assertClose(toDouble(slice(wholeGradIn, r, share)), gradIn, 1e-4, "gradIn of replica " + r);
        }
    }

    /** The plain backward pass: partials, their sums, the input gradient. */
    private static void backward(float[] dy, float[] x, Train t, float[] gamma, float[] gradGamma, float[] gradBeta,
                                 float[] gradIn, int n, int c, int hw) {
        float[] partialGamma = poisoned(n * c);
        float[] partialBeta = poisoned(n * c);
        BatchNormKernels.backwardPartials(dy, x, t.mean(), t.invStd(), partialGamma, partialBeta, n, c, hw);
        ReduceKernels.sumGroups(partialGamma, gradGamma, n, c);
        ReduceKernels.sumGroups(partialBeta, gradBeta, n, c);
        BatchNormKernels.backwardInput(dy, x, t.mean(), t.invStd(), gamma, gradGamma, gradBeta, gradIn, n, c, hw);
    }

    private static float[] slice(float[] a, int r, int length) {
        return java.util.Arrays.copyOfRange(a, r * length, (r + 1) * length);
    }
}
