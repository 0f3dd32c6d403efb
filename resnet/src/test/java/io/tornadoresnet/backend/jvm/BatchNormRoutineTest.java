package io.tornadoresnet.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tornadoresnet.kernels.BatchNormKernels;
import io.tornadoresnet.kernels.ReduceKernels;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BatchNormRoutineTest {
    private static final float EPS = 1e-5f;
    private static final float MOMENTUM = 0.1f;

    /** n, c, hw, and an offset added to x (a mean far from 0 tests the accuracy of the statistics). */
    private static final int[][] SHAPES = {{1, 3, 5, 0}, {4, 16, 64, 0}, {5, 7, 1, 0}, {3, 2, 1000, 50}, {7, 5, 9, -3}};

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (int[] s : SHAPES) {
            for (int workers : new int[] {1, 2, 3}) {
                out.add(Arguments.of(workers, s));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "workers={0} shape={1}")
    @MethodSource("cases")
    void matchesTheKernels(int workers, int[] s) {
        int n = s[0];
        int c = s[1];
        int hw = s[2];
        Random random = new Random(n * 31 + c * 7 + hw);
        float[] x = ConvRoutineTest.uniform(random, n * c * hw);
        for (int i = 0; i < x.length; i++) {
            x[i] = x[i] * (1 + i % 3) + s[3];
        }
        float[] gamma = ConvRoutineTest.uniform(random, c);
        float[] beta = ConvRoutineTest.uniform(random, c);
        float[] gradOut = ConvRoutineTest.uniform(random, x.length);
        float[] runningMean0 = ConvRoutineTest.uniform(random, c);
        float[] runningVar0 = new float[c];
        for (int ch = 0; ch < c; ch++) {
            runningVar0[ch] = 0.5f + random.nextFloat();
        }

        // The kernels, as a plan runs them.
        float[] partial = new float[n * c];
        float[] partial2 = new float[n * c];
        float[] mean = new float[c];
        float[] invStd = new float[c];
        float[] runningMean = runningMean0.clone();
        float[] runningVar = runningVar0.clone();
        float[] y = new float[x.length];
        BatchNormKernels.channelSums(x, partial, n, c, hw);
        BatchNormKernels.finishMean(partial, mean, n, c, hw);
        BatchNormKernels.channelSquaredDeviations(x, mean, partial, n, c, hw);
        BatchNormKernels.finishVariance(partial, mean, invStd, runningMean, runningVar, n, c, hw, EPS, MOMENTUM);
        BatchNormKernels.normalize(x, mean, invStd, gamma, beta, y, n, c, hw);
        float[] yInference = new float[x.length];
        BatchNormKernels.forwardInference(x, runningMean0, runningVar0, gamma, beta, yInference, n, c, hw, EPS);
        float[] gradGamma = new float[c];
        float[] gradBeta = new float[c];
        float[] gradIn = new float[x.length];
        BatchNormKernels.backwardPartials(gradOut, x, mean, invStd, partial, partial2, n, c, hw);
        ReduceKernels.sumGroups(partial, gradGamma, n, c);
        ReduceKernels.sumGroups(partial2, gradBeta, n, c);
        BatchNormKernels.backwardInput(gradOut, x, mean, invStd, gamma, gradGamma, gradBeta, gradIn, n, c, hw);

        try (WorkerPool pool = new WorkerPool(workers)) {
            BatchNormRoutine routine = new BatchNormRoutine(n, c, hw, workers);
            float[] actualMean = new float[c];
            float[] actualInvStd = new float[c];
            float[] actualRunningMean = runningMean0.clone();
            float[] actualRunningVar = runningVar0.clone();
            float[] actualY = ConvRoutineTest.poisoned(x.length);
            routine.forwardTraining(x, gamma, beta, actualY, actualMean, actualInvStd, actualRunningMean,
                    actualRunningVar, EPS, MOMENTUM, pool);
            assertRelativelyClose(mean, actualMean, 1e-4, "mean");
            assertRelativelyClose(invStd, actualInvStd, 1e-4, "invStd");
            assertRelativelyClose(runningMean, actualRunningMean, 1e-4, "runningMean");
            assertRelativelyClose(runningVar, actualRunningVar, 1e-4, "runningVar");
            assertRelativelyClose(y, actualY, 1e-4, "y");

            float[] actualInference = ConvRoutineTest.poisoned(x.length);
            routine.forwardInference(x, runningMean0, runningVar0, gamma, beta, actualInference, EPS, pool);
            assertRelativelyClose(yInference, actualInference, 1e-5, "inference y");

            float[] actualGradGamma = ConvRoutineTest.poisoned(c);
            float[] actualGradBeta = ConvRoutineTest.poisoned(c);
            float[] actualGradIn = ConvRoutineTest.poisoned(x.length);
            routine.backward(gradOut, x, mean, invStd, gamma, actualGradGamma, actualGradBeta, actualGradIn, pool);
            assertRelativelyClose(gradGamma, actualGradGamma, 1e-4, "gradGamma");
            assertRelativelyClose(gradBeta, actualGradBeta, 1e-4, "gradBeta");
            assertRelativelyClose(gradIn, actualGradIn, 1e-3, "gradIn");
        }
    }

    @Test
    void resultsDoNotDependOnTheWorkers() {
        int n = 6;
        int c = 4;
        int hw = 50;
        Random random = new Random(3);
        float[] x = ConvRoutineTest.uniform(random, n * c * hw);
        float[] gamma = ConvRoutineTest.uniform(random, c);
        float[] beta = ConvRoutineTest.uniform(random, c);
        float[] gradOut = ConvRoutineTest.uniform(random, x.length);
        float[][] first = null;
        for (int workers = 1; workers <= 3; workers++) {
            try (WorkerPool pool = new WorkerPool(workers)) {
                BatchNormRoutine routine = new BatchNormRoutine(n, c, hw, workers);
                float[] y = new float[x.length];
                float[] mean = new float[c];
                float[] invStd = new float[c];
                float[] gradGamma = new float[c];
                float[] gradBeta = new float[c];
                float[] gradIn = new float[x.length];
                routine.forwardTraining(x, gamma, beta, y, mean, invStd, new float[c], new float[c], EPS, MOMENTUM, pool);
                routine.backward(gradOut, x, mean, invStd, gamma, gradGamma, gradBeta, gradIn, pool);
                float[][] results = {y, mean, invStd, gradGamma, gradBeta, gradIn};
                if (first == null) {
                    first = results;
                } else {
                    for (int i = 0; i < results.length; i++) {
                        assertArrayEquals(first[i], results[i], "result " + i + " with " + workers + " workers");
                    }
                }
            }
        }
    }

    /** |expected - actual| within tolerance times the largest |expected|: BN outputs are O(1). */
    static void assertRelativelyClose(float[] expected, float[] actual, double tolerance, String what) {
        double scale = 1e-3;
        for (float e : expected) {
            scale = Math.max(scale, Math.abs(e));
        }
        for (int i = 0; i < expected.length; i++) {
            double diff = Math.abs(expected[i] - actual[i]);
            int index = i;
            double limit = tolerance * scale;
            assertTrue(diff <= limit, () -> what + " differs at " + index + ": expected " + expected[index]
                    + ", got " + actual[index]);
        }
    }
}
