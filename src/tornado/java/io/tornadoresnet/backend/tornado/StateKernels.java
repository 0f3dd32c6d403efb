package io.tornadoresnet.backend.tornado;

import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * The one kernel of the upload graph: it names up to {@value #ARRAYS} model-state arrays so that
 * TornadoVM copies them to the device (a float[] reaches the device only as a task argument) and
 * does nothing with them. {@code never} is always 0, a constant of the compiled kernel; the dead
 * branch only makes every array a read (a write-only argument would be allocated, not copied).
 */
final class StateKernels {
    static final int ARRAYS = 16;

    private StateKernels() {
    }

    static void keep(float[] a0, float[] a1, float[] a2, float[] a3,
                     float[] a4, float[] a5, float[] a6, float[] a7,
                     float[] a8, float[] a9, float[] a10, float[] a11,
                     float[] a12, float[] a13, float[] a14, float[] a15,
                     int never) {
        for (@Parallel int i = 0; i < 1; i++) {
            if (never == 1) {
                a0[0] = a0[0] + 0f;
                a1[0] = a1[0] + 0f;
                a2[0] = a2[0] + 0f;
                a3[0] = a3[0] + 0f;
                a4[0] = a4[0] + 0f;
                a5[0] = a5[0] + 0f;
                a6[0] = a6[0] + 0f;
                a7[0] = a7[0] + 0f;
                a8[0] = a8[0] + 0f;
                a9[0] = a9[0] + 0f;
                a10[0] = a10[0] + 0f;
                a11[0] = a11[0] + 0f;
                a12[0] = a12[0] + 0f;
                a13[0] = a13[0] + 0f;
                a14[0] = a14[0] + 0f;
                a15[0] = a15[0] + 0f;
            }
        }
    }
}
