package io.tornadoresnet.kernels;

import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * Element-wise arithmetic. {@link #add} joins a residual block's two branches,
 * {@code F(x) + shortcut(x)} (He et al., 2016, Eq. 1); its backward pass is the identity on
 * both branches, so it needs no kernel of its own.
 */
public final class ElementwiseKernels {

    private ElementwiseKernels() {
    }

    /** a, b [size] -> out [size]: {@code out = a + b} (out may be a or b). */
    public static void add(float[] a, float[] b, float[] out, int size) {
        for (@Parallel int i = 0; i < size; i++) {
            out[i] = a[i] + b[i];
        }
    }
}
