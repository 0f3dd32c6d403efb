package io.tornadoresnet.kernels;

import static io.tornadoresnet.kernels.Support.assertClose;

import org.junit.jupiter.api.Test;

/**
 * Two steps of torch.optim.SGD (dampening 0) by hand, for param (1, -2), gradients (0.5, 0.1)
 * then (-0.2, 0.3), lr 0.1, momentum 0.9. PyTorch's first step sets the buffer to g, which is
 * {@code momentum * 0 + g} from a zero velocity.
 */
class SgdKernelsTest {

    private static final float[] GRAD1 = {0.5f, 0.1f};
    private static final float[] GRAD2 = {-0.2f, 0.3f};

    private static void step(float[] param, float[] grad, float[] velocity, float lr, float momentum,
                             float weightDecay, boolean nesterov) {
        SgdKernels.momentumStep(param, grad, velocity, new float[] {lr}, momentum, weightDecay, nesterov ? 1 : 0,
                param.length);
    }

    @Test
    void momentum() {
        float[] param = {1, -2};
        float[] velocity = new float[2];
        step(param, GRAD1, velocity, 0.1f, 0.9f, 0, false);
        // v = g = (0.5, 0.1); p = (1 - 0.05, -2 - 0.01)
        assertClose(new double[] {0.5, 0.1}, velocity, 1e-6, "v after step 1");
        assertClose(new double[] {0.95, -2.01}, param, 1e-6, "p after step 1");
        step(param, GRAD2, velocity, 0.1f, 0.9f, 0, false);
        // v = 0.9 * (0.5, 0.1) + (-0.2, 0.3) = (0.25, 0.39); p = (0.95 - 0.025, -2.01 - 0.039)
        assertClose(new double[] {0.25, 0.39}, velocity, 1e-6, "v after step 2");
        assertClose(new double[] {0.925, -2.049}, param, 1e-6, "p after step 2");
    }

    @Test
    void weightDecay() {
        float[] param = {1, -2};
        float[] velocity = new float[2];
        step(param, GRAD1, velocity, 0.1f, 0.9f, 0.01f, false);
        // g = (0.5 + 0.01, 0.1 - 0.02) = (0.51, 0.08) = v; p = (1 - 0.051, -2 - 0.008)
        assertClose(new double[] {0.51, 0.08}, velocity, 1e-6, "v after step 1");
        assertClose(new double[] {0.949, -2.008}, param, 1e-6, "p after step 1");
        step(param, GRAD2, velocity, 0.1f, 0.9f, 0.01f, false);
        // g = (-0.2 + 0.00949, 0.3 - 0.02008) = (-0.19051, 0.27992)
        // v = 0.9 * (0.51, 0.08) + g = (0.26849, 0.35192); p = (0.949 - 0.026849, -2.008 - 0.035192)
        assertClose(new double[] {0.26849, 0.35192}, velocity, 1e-6, "v after step 2");
        assertClose(new double[] {0.922151, -2.043192}, param, 1e-6, "p after step 2");
    }

    @Test
    void nesterov() {
        float[] param = {1, -2};
        float[] velocity = new float[2];
        step(param, GRAD1, velocity, 0.1f, 0.9f, 0, true);
        // v = g = (0.5, 0.1); d = g + 0.9 v = (0.95, 0.19); p = (1 - 0.095, -2 - 0.019)
        assertClose(new double[] {0.5, 0.1}, velocity, 1e-6, "v after step 1");
        assertClose(new double[] {0.905, -2.019}, param, 1e-6, "p after step 1");
        step(param, GRAD2, velocity, 0.1f, 0.9f, 0, true);
        // v = (0.25, 0.39); d = (-0.2 + 0.225, 0.3 + 0.351) = (0.025, 0.651); p = (0.905 - 0.0025, -2.019 - 0.0651)
        assertClose(new double[] {0.25, 0.39}, velocity, 1e-6, "v after step 2");
        assertClose(new double[] {0.9025, -2.0841}, param, 1e-6, "p after step 2");
    }

    @Test
    void plainSgdAndALearningRateThatChangesThroughTheBuffer() {
        float[] param = {1, -2};
        float[] velocity = new float[2];
        step(param, GRAD1, velocity, 0.1f, 0, 0, false);
        assertClose(new double[] {0.95, -2.01}, param, 1e-6, "momentum 0: p - lr g");
        float[] lr = {0.5f};
        SgdKernels.momentumStep(param, GRAD2, velocity, lr, 0, 0, 0, 2);
        lr[0] = 0.05f; // a schedule writes the one-element buffer between steps
        SgdKernels.momentumStep(param, GRAD2, velocity, lr, 0, 0, 0, 2);
        // p = 0.95 + 0.5 * 0.2 + 0.05 * 0.2, -2.01 - 0.5 * 0.3 - 0.05 * 0.3
        assertClose(new double[] {1.06, -2.175}, param, 1e-6, "p after two rates");
    }
}
