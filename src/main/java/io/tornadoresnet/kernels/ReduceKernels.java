package io.tornadoresnet.kernels;

import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * The second pass of a two-pass reduction: the first pass (for example
 * {@link ConvKernels#backwardWeightsPartial} or {@link BatchNormKernels#backwardPartials})
 * writes {@code groups} partial results side by side; this kernel adds them up.
 */
public final class ReduceKernels {

    private ReduceKernels() {
    }

    /** partial [groups][size] -> out [size]: {@code out[i] = sum_g partial[g * size + i]}. */
    public static void sumGroups(float[] partial, float[] out, int groups, int size) {
        for (@Parallel int i = 0; i < size; i++) {
            float acc = 0f;
            for (int g = 0; g < groups; g++) {
                acc += partial[g * size + i];
            }
            out[i] = acc;
        }
    }
}
