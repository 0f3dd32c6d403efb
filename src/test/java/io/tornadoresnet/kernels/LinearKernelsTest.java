package io.tornadoresnet.kernels;

import static io.tornadoresnet.kernels.Support.assertClose;
import static io.tornadoresnet.kernels.Support.assertExactly;
import static io.tornadoresnet.kernels.Support.assertGradient;
import static io.tornadoresnet.kernels.Support.numericGradient;
import static io.tornadoresnet.kernels.Support.poisoned;
import static io.tornadoresnet.kernels.Support.toDouble;
import static io.tornadoresnet.kernels.Support.uniform;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LinearKernelsTest {

    @ParameterizedTest(name = "n={0} in={1} out={2}")
    @CsvSource({"3, 7, 5", "1, 4, 10", "4, 1, 1"})
    void forwardAndBackwardAgainstReference(int n, int in, int out) {
        Random random = new Random(50 + in);
        float[] x = uniform(random, n * in);
        float[] weight = uniform(random, out * in);
        float[] bias = uniform(random, out);
        float[] y = poisoned(n * out);
        LinearKernels.forward(x, weight, bias, y, n, in, out);
        double[] xD = toDouble(x);
        double[] wD = toDouble(weight);
        double[] bD = toDouble(bias);
        assertClose(Reference.linear(xD, wD, bD, n, in, out), y, Support.FORWARD_TOL, "y");

        float[] r = uniform(random, n * out);
        double[] rD = toDouble(r);
        float[] gradIn = poisoned(n * in);
        float[] gradWeight = poisoned(out * in);
        float[] gradBias = poisoned(out);
        LinearKernels.backwardData(r, weight, gradIn, n, in, out);
        LinearKernels.backwardWeights(x, r, gradWeight, n, in, out);
        LinearKernels.backwardBias(r, gradBias, n, out);
        assertGradient(numericGradient(v -> Reference.linear(v, wD, bD, n, in, out), xD, rD), gradIn, "gradIn");
        assertGradient(numericGradient(v -> Reference.linear(xD, v, bD, n, in, out), wD, rD), gradWeight, "gradWeight");
        assertGradient(numericGradient(v -> Reference.linear(xD, wD, v, n, in, out), bD, rD), gradBias, "gradBias");
    }

    @Test
    void pytorchLayoutByHand() {
        // weight [out=2][in=3]: y[o] = sum_i x[i] * W[o][i] + b[o]
        float[] weight = {1, 2, 3, 4, 5, 6};
        float[] y = poisoned(2);
        LinearKernels.forward(new float[] {1, 0, -1}, weight, new float[] {0.5f, -0.5f}, y, 1, 3, 2);
        assertExactly(new float[] {1 - 3 + 0.5f, 4 - 6 - 0.5f}, y, "y");
    }
}
