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

class ActivationKernelsTest {

    @Test
    void reluForwardAndBackward() {
        Random random = new Random(40);
        float[] x = uniform(random, 97);
        for (int i = 0; i < x.length; i++) {
            x[i] += Math.signum(x[i]) * 0.01f; // keep every value a finite-difference step away from the kink
        }
        float[] y = poisoned(x.length);
        ActivationKernels.reluForward(x, y, x.length);
        assertClose(Reference.relu(toDouble(x)), y, 0, "y");

        float[] r = uniform(random, x.length);
        float[] gradIn = poisoned(x.length);
        ActivationKernels.reluBackward(y, r, gradIn, x.length);
        assertGradient(numericGradient(Reference::relu, toDouble(x), toDouble(r)), gradIn, "gradIn");
    }

    @Test
    void reluByHand() {
        float[] x = {-2, 0, 3, Float.NaN};
        float[] y = poisoned(4);
        ActivationKernels.reluForward(x, y, 4);
        assertExactly(new float[] {0, 0, 3, Float.NaN}, y, "y (NaN stays NaN, as in PyTorch)");
        float[] gradIn = poisoned(3);
        ActivationKernels.reluBackward(y, new float[] {5, 6, 7}, gradIn, 3);
        assertExactly(new float[] {0, 0, 7}, gradIn, "gradIn (0 at 0, as in PyTorch)");
    }
}
