package io.tornadoresnet.backend.tornado;

import io.tornadoresnet.kernels.BatchNormKernels;

/**
 * Kernels whose method name TornadoVM refuses as a task, because it is an OpenCL C built-in
 * (TornadoSketcher checks the task method against OCLTokens): the task calls them under another
 * name. TornadoVM inlines the call, {@code @Parallel} loops included (TornadoApiReplacement reads
 * the annotations of inlined methods), so the device runs the kernel's own code.
 */
final class OpenClNames {

    private OpenClNames() {
    }

    /** {@link BatchNormKernels#normalize}: {@code normalize} is OpenCL's vector normalisation. */
    static void batchNormNormalize(float[] x, float[] mean, float[] invStd, float[] gamma, float[] beta, float[] y,
                                   int n, int c, int hw) {
        BatchNormKernels.normalize(x, mean, invStd, gamma, beta, y, n, c, hw);
    }
}
