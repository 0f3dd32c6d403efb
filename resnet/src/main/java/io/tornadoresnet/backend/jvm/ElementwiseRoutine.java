package io.tornadoresnet.backend.jvm;

import io.tornadoresnet.backend.jvm.WorkerPool.RangeTask;

/**
 * The element-wise kernels ({@code ActivationKernels.reluForward}, {@code reluBackward},
 * {@code ElementwiseKernels.add}) on a {@link WorkerPool}, in chunks of {@link #CHUNK} floats. They are
 * bound by memory bandwidth, which two cores share but one cannot saturate. Results are exactly the
 * kernels'. Not thread-safe: one call at a time.
 */
public final class ElementwiseRoutine {
    /** Floats per work item: 64 KiB, large enough that splitting costs nothing. */
    static final int CHUNK = 16 * 1024;

    private enum Op { RELU_FORWARD, RELU_BACKWARD, ADD }

    private final RangeTask task = this::range;

    // The arguments of the call in progress, read by the workers.
    private Op op;
    private float[] first, second, result;
    private int size;

    /** {@code y = max(x, 0)}, keeping NaN, as {@code ActivationKernels.reluForward}. */
    public void reluForward(float[] x, float[] y, int size, WorkerPool pool) {
        run(Op.RELU_FORWARD, x, null, y, size, pool);
    }

    /** {@code gradIn = y > 0 ? gradOut : 0}, y the ReLU's output, as {@code ActivationKernels.reluBackward}. */
    public void reluBackward(float[] y, float[] gradOut, float[] gradIn, int size, WorkerPool pool) {
        run(Op.RELU_BACKWARD, y, gradOut, gradIn, size, pool);
    }

    /** {@code out = a + b}; out may be a or b. */
    public void add(float[] a, float[] b, float[] out, int size, WorkerPool pool) {
        run(Op.ADD, a, b, out, size, pool);
    }

    private void run(Op op, float[] first, float[] second, float[] result, int size, WorkerPool pool) {
        this.op = op;
        this.first = first;
        this.second = second;
        this.result = result;
        this.size = size;
        try {
            pool.parallelFor((size + CHUNK - 1) / CHUNK, task);
        } finally {
            this.first = null;
            this.second = null;
            this.result = null;
        }
    }

    private void range(int from, int to, int worker) {
        int start = from * CHUNK;
        int end = Math.min(size, to * CHUNK);
        float[] x = first;
        float[] z = result;
        switch (op) {
            case RELU_FORWARD -> {
                for (int i = start; i < end; i++) {
                    float v = x[i];
                    z[i] = v < 0f ? 0f : v;
                }
            }
            case RELU_BACKWARD -> {
                float[] g = second;
                for (int i = start; i < end; i++) {
                    z[i] = x[i] > 0f ? g[i] : 0f;
                }
            }
            case ADD -> {
                float[] y = second;
                for (int i = start; i < end; i++) {
                    z[i] = x[i] + y[i];
                }
            }
        }
    }
}
