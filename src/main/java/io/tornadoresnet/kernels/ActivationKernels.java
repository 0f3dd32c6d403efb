package io.tornadoresnet.kernels;

import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * The rectified linear unit, as PyTorch's {@code nn.ReLU}. The backward pass reads the saved
 * output (y > 0 exactly where x > 0), so the input need not be kept; the gradient at 0 is 0, as in
 * PyTorch. A NaN input stays NaN, as in PyTorch.
 */
public final class ActivationKernels {

    private ActivationKernels() {
    }

    /** x [size] -> y [size]: {@code y = max(x, 0)}. */
    public static void reluForward(float[] x, float[] y, int size) {
        for (@Parallel int i = 0; i < size; i++) {
            float v = x[i];
            y[i] = v < 0f ? 0f : v; // not "v > 0 ? v : 0", which would hide a NaN
        }
    }

    /** y (the ReLU output), gradOut [size] -> gradIn [size]: {@code gradIn = y > 0 ? gradOut : 0}. */
    public static void reluBackward(float[] y, float[] gradOut, float[] gradIn, int size) {
        for (@Parallel int i = 0; i < size; i++) {
            gradIn[i] = y[i] > 0f ? gradOut[i] : 0f;
        }
    }
}
