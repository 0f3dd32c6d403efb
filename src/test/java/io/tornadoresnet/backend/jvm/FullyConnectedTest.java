package io.tornadoresnet.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tornadoresnet.kernels.LinearKernels;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;
import io.tornadoresnet.testing.Close;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The fully connected layer's routines against LinearKernels, on layers large enough to take them. */
class FullyConnectedTest {

    @ParameterizedTest(name = "n={0} in={1} out={2} workers={3} gradIn={4}")
    @CsvSource({"8, 512, 300, 2, true", "16, 2048, 37, 3, true", "5, 1000, 257, 1, false", "3, 4096, 100, 2, true"})
    void matchesTheKernels(int n, int in, int out, int workers, boolean withGradIn) {
        assertTrue(FullyConnected.pays(n, in, out));
        Random random = new Random(n * 31 + in);
        Tensor x = random("x", random, n, in);
        Tensor weight = random("weight", random, out, in);
        Tensor bias = random("bias", random, out);
        Tensor gradOut = random("grad_out", random, n, out);
        float[] y = new float[n * out];
        float[] gradWeight = new float[out * in];
        float[] gradBias = new float[out];
        float[] gradIn = new float[n * in];
        LinearKernels.forward(x.data(), weight.data(), bias.data(), y, n, in, out);
        LinearKernels.backwardWeights(x.data(), gradOut.data(), gradWeight, n, in, out);
        LinearKernels.backwardBias(gradOut.data(), gradBias, n, out);
        LinearKernels.backwardData(gradOut.data(), weight.data(), gradIn, n, in, out);

        Tensor actualY = poisoned("y", n, out);
        Tensor actualGradWeight = poisoned("grad_weight", out, in);
        Tensor actualGradBias = poisoned("grad_bias", out);
        Tensor actualGradIn = withGradIn ? poisoned("grad_in", n, in) : null;
        try (WorkerPool pool = new WorkerPool(workers)) {
            FullyConnected.forward(new Op.Linear(x, weight, bias, actualY, n, in, out), pool).run();
            FullyConnected.backward(new Op.LinearBackward(x, gradOut, weight, actualGradWeight, actualGradBias,
                    actualGradIn, n, in, out), pool).run();
        }
        // sums of in (forward, input gradient: out) products of numbers below 1 in magnitude
        Close.assertClose("y", y, actualY.data(), e -> 1e-6 * in * (1 + Math.abs(e)));
        Close.assertClose("gradWeight", gradWeight, actualGradWeight.data(), e -> 1e-6 * n * (1 + Math.abs(e)));
        Close.assertClose("gradBias", gradBias, actualGradBias.data(), e -> 1e-6 * n * (1 + Math.abs(e)));
        if (withGradIn) {
            Close.assertClose("gradIn", gradIn, actualGradIn.data(), e -> 1e-6 * out * (1 + Math.abs(e)));
        }
    }

    @ParameterizedTest(name = "n={0} in={1} out={2}")
    @CsvSource({"128, 64, 10", "1, 512, 1000"})
    void smallLayersKeepTheirKernels(int n, int in, int out) {
        assertFalse(FullyConnected.pays(n, in, out));
    }

    private static Tensor random(String name, Random random, int... dims) {
        Tensor t = new Tensor(name, Shape.of(dims));
        for (int i = 0; i < t.size(); i++) {
            t.data()[i] = random.nextFloat() * 2 - 1;
        }
        return t;
    }

    private static Tensor poisoned(String name, int... dims) {
        Tensor t = new Tensor(name, Shape.of(dims));
        Arrays.fill(t.data(), Float.NaN);
        return t;
    }
}
