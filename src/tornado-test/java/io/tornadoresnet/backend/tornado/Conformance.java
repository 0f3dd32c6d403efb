package io.tornadoresnet.backend.tornado;

import org.junit.jupiter.api.Assumptions;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The suite's one notion of "the same result": float buffers agree when every element is within
 * {@code tol * max(1, max|jvm|)} of the JVM's (the error is scaled by the buffer's magnitude,
 * because the device compiler may contract a*b+c into an FMA and reassociate nothing else, so
 * differences stay at float rounding of the largest values); int buffers agree exactly.
 */
final class Conformance {
    /** One kernel call: rounding only. */
    static final double KERNEL_TOL = 1e-4;
    /**
     * One training step from the same state, against the plain kernels on the JVM (the same code):
     * measured at most 6e-7 on ResNet-20 and the bottleneck net (PoCL).
     */
    static final double STEP_TOL = 1e-5;
    /**
     * One step, or one inference, against the JVM backend, whose blocked and vectorised routines
     * sum in another order than the kernels: through batch norm's backward (a difference of sums)
     * conv1's weight gradient differs by up to 1.4e-3 (scaled) on ResNet-20 at batch 8, between the
     * JVM backend and the plain kernels as much as between the JVM backend and the device.
     */
    static final double JVM_STEP_TOL = 1e-2;
    /**
     * 20 steps against the plain kernels: each step alone agrees to ~5e-7, but once rounding moves
     * a pre-activation across zero, a ReLU takes the other branch and the momentum carries the
     * difference on. Measured on ResNet-20 (PoCL): losses agree to 1e-4, weights and running
     * statistics to 3e-4, conv1's momentum buffer to 2.5e-2 (one flip at step 14).
     */
    static final double CURVE_TOL = 2e-3;
    /**
     * Weights and running statistics after 20 steps, against the plain kernels. The tiled convolutions
     * and the tree reductions sum in another order than the plain kernels (as the JVM backend does), so
     * the flips come sooner: measured 2.3e-3 and 2.5e-3 on ResNet-20's conv1.weight (PoCL), 3e-4 with
     * the plain kernels on the device.
     */
    static final double CURVE_STATE_TOL = 5e-3;
    /**
     * Momentum buffers after 20 steps: sums of gradients, the most sensitive to a flipped ReLU. With the
     * device routines' summation order, measured 0.10 on ResNet-20's conv1 (PoCL), where one step agrees
     * to 7e-7; a wrong routine is off by the gradient itself from the first step.
     */
    static final double CURVE_MOMENTUM_TOL = 0.2;
    /** Losses of 20 steps against the JVM backend (relative): measured at most 3e-3 on ResNet-20. */
    static final double JVM_CURVE_TOL = 2e-2;

    private Conformance() {
    }

    /**
     * Skips the calling test class outside TornadoVM's JVM (the profile's default test execution
     * sees these classes too, e.g. with -Dtest=..., and there is no device there).
     */
    static void assumeTornadoVm() {
        Assumptions.assumeTrue(System.getProperty("tornado.load.api.implementation") != null,
                "not in TornadoVM's JVM (runs in the tornado-conformance execution)");
    }

    /** max|device - jvm| / max(1, max|jvm|). */
    static double scaledError(float[] device, float[] jvm) {
        double maxAbs = 1;
        double maxErr = 0;
        for (int i = 0; i < jvm.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(jvm[i]));
        }
        for (int i = 0; i < jvm.length; i++) {
            double e = Math.abs((double) device[i] - jvm[i]);
            if (Double.isNaN(e)) {
                return Double.NaN;
            }
            maxErr = Math.max(maxErr, e);
        }
        return maxErr / maxAbs;
    }

    static double assertClose(String what, float[] device, float[] jvm, double tol) {
        assertTrue(device.length == jvm.length, what + ": lengths differ");
        double e = scaledError(device, jvm);
        assertTrue(e <= tol, () -> String.format("%s: scaled error %.3g over %.1g (first elements device %s, jvm %s)",
                what, e, tol, head(device), head(jvm)));
        return e;
    }

    static void assertSame(String what, int[] device, int[] jvm) {
        assertArrayEquals(jvm, device, what);
    }

    private static String head(float[] a) {
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < Math.min(4, a.length); i++) {
            b.append(i > 0 ? ", " : "").append(a[i]);
        }
        return b.append(a.length > 4 ? ", ...]" : "]").toString();
    }
}
