package io.tornadoresnet.kernels;

import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * The fully connected layer, as PyTorch's {@code nn.Linear(in, out)}: weight {@code [out][in]},
 * bias {@code [out]}, {@code y = x W^T + b}. The parameter gradients sum over the batch inside
 * each parallel iteration (the batch is small beside {@code out * in}).
 */
public final class LinearKernels {

    private LinearKernels() {
    }

    /** x [n][in], weight [out][in], bias [out] -> y [n][out]. */
    public static void forward(float[] x, float[] weight, float[] bias, float[] y, int n, int in, int out) {
        for (@Parallel int b = 0; b < n; b++) {
            for (@Parallel int o = 0; o < out; o++) {
                int xBase = b * in;
                int wBase = o * in;
                float acc = bias[o];
                for (int i = 0; i < in; i++) {
                    acc += x[xBase + i] * weight[wBase + i];
                }
                y[b * out + o] = acc;
            }
        }
    }

    /** gradOut [n][out], weight [out][in] -> gradIn [n][in]: {@code gradIn = gradOut W}. */
    public static void backwardData(float[] gradOut, float[] weight, float[] gradIn, int n, int in, int out) {
        for (@Parallel int b = 0; b < n; b++) {
            for (@Parallel int i = 0; i < in; i++) {
                int gBase = b * out;
                float acc = 0f;
                for (int o = 0; o < out; o++) {
                    acc += gradOut[gBase + o] * weight[o * in + i];
                }
                gradIn[b * in + i] = acc;
            }
        }
    }

    /** x [n][in], gradOut [n][out] -> gradWeight [out][in]: {@code gradWeight = gradOut^T x}. */
    public static void backwardWeights(float[] x, float[] gradOut, float[] gradWeight, int n, int in, int out) {
        for (@Parallel int o = 0; o < out; o++) {
            for (@Parallel int i = 0; i < in; i++) {
                float acc = 0f;
                for (int b = 0; b < n; b++) {
                    acc += gradOut[b * out + o] * x[b * in + i];
                }
                gradWeight[o * in + i] = acc;
            }
        }
    }

    /** gradOut [n][out] -> gradBias [out]: {@code gradBias[o] = sum_b gradOut[b][o]}. */
    public static void backwardBias(float[] gradOut, float[] gradBias, int n, int out) {
        for (@Parallel int o = 0; o < out; o++) {
            float acc = 0f;
            for (int b = 0; b < n; b++) {
                acc += gradOut[b * out + o];
            }
            gradBias[o] = acc;
        }
    }
}
