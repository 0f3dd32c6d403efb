package io.tornadoresnet.backend.tornado.check;

/**
 * How close the device must come, as {@link io.tornadoresnet.check.Errors#scaled scaled errors}
 * (the error over {@code max(1, max|reference|)}, because the device compiler may contract a*b+c
 * into an FMA and reassociates nothing else, so differences stay at float rounding of the largest
 * values), and losses as {@link io.tornadoresnet.check.Errors#loss relative errors}.
 */
final class Tolerances {
    /** One kernel call: rounding only. */
    static final double KERNEL = 1e-4;
    /**
     * One training step from the same state, against the plain kernels on the JVM (the same code):
     * measured at most 6e-7 on ResNet-20 and the bottleneck net (PoCL).
     */
    static final double STEP = 1e-5;
    /**
     * One step, or one inference, against the JVM backend, whose blocked and vectorised routines
     * sum in another order than the kernels: through batch norm's backward (a difference of sums)
     * conv1's weight gradient differs by up to 1.4e-3 (scaled) on ResNet-20 at batch 8, between the
     * JVM backend and the plain kernels as much as between the JVM backend and the device.
     */
    static final double JVM_STEP = 1e-2;
    /**
     * 20 steps against the plain kernels: each step alone agrees to ~5e-7, but once rounding moves
     * a pre-activation across zero, a ReLU takes the other branch and the momentum carries the
     * difference on. Measured on ResNet-20 (PoCL): losses agree to 1e-4, weights and running
     * statistics to 3e-4, conv1's momentum buffer to 2.5e-2 (one flip at step 14).
     */
    static final double CURVE = 2e-3;
    /**
     * Weights and running statistics after 20 steps, against the plain kernels. The tiled convolutions
     * and the tree reductions sum in another order than the plain kernels (as the JVM backend does), so
     * the flips come sooner: measured 2.3e-3 and 2.5e-3 on ResNet-20's conv1.weight (PoCL), 3e-4 with
     * the plain kernels on the device; 4.26e-3 on an NVIDIA H100 (PTX backend) with the plain kernels.
     */
    static final double CURVE_STATE = 5e-3;
    /**
     * Momentum buffers after 20 steps: sums of gradients, the most sensitive to a flipped ReLU. With the
     * device routines' summation order, measured 0.10 on ResNet-20's conv1 (PoCL), and 0.111 on an
     * NVIDIA H100 (PTX backend) with the plain kernels, where one step agrees to 7e-7; a wrong routine
     * is off by the gradient itself from the first step.
     */
    static final double CURVE_MOMENTUM = 0.2;
    /** Losses of 20 steps against the JVM backend (relative): measured at most 3e-3 on ResNet-20. */
    static final double JVM_CURVE = 2e-2;
    /** Counts that must agree exactly: bytes moved, correct answers, int buffers. */
    static final double EXACT = 0;

    private Tolerances() {
    }
}
