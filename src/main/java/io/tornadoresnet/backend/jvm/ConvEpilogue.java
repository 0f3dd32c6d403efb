package io.tornadoresnet.backend.jvm;

/**
 * What an inference plan does to a convolution's output before anything else reads it: batch norm
 * with the running statistics, then, optionally, a residual add and ReLU. {@link ConvRoutine} applies
 * it to each tile of the output right after computing the tile, while it is still in cache, so that
 * batch norm, the add and ReLU cost no pass of their own over memory.
 *
 * <p>Batch norm becomes a per-channel scale and shift (the running statistics folded into the
 * convolution's output), computed again by {@link #prepare()} before every pass from the parameters'
 * current values: a few operations per channel, and never stale after training steps or a
 * checkpoint load changed the weights or the statistics.
 */
final class ConvEpilogue implements TileEpilogue {
    private final float[] gamma, beta, runningMean, runningVar;
    private final float eps;
    private final float[] residual;
    private final boolean relu;
    private final float[] scale;
    private final float[] shift;

    /**
     * @param residual added after batch norm, laid out as the output; null for none
     * @param relu     whether ReLU comes last
     */
    ConvEpilogue(float[] gamma, float[] beta, float[] runningMean, float[] runningVar, float eps, float[] residual,
                 boolean relu) {
        this.gamma = gamma;
        this.beta = beta;
        this.runningMean = runningMean;
        this.runningVar = runningVar;
        this.eps = eps;
        this.residual = residual;
        this.relu = relu;
        this.scale = new float[gamma.length];
        this.shift = new float[gamma.length];
    }

    /** Folds the batch norm's current parameters into a scale and a shift per channel. */
    void prepare() {
        for (int ch = 0; ch < scale.length; ch++) {
            float invStd = 1f / (float) Math.sqrt(runningVar[ch] + eps);
            scale[ch] = invStd * gamma[ch];
            shift[ch] = beta[ch] - runningMean[ch] * scale[ch];
        }
    }

    /**
     * Batch norm along the tile's vectors, a channel in each lane (and ReLU there, with no residual), then
     * the transposition into the output, which adds the residual and applies ReLU: the arithmetic of
     * {@link #apply}, the same bits, without a pass over each short segment of the output.
     */
    @Override
    public boolean applyTransposed(float[] tile, int pixels, int channels, float[] out, int outOff, int outStride,
                                   int tileIndex) {
        if (!VectorApi.available()
                || !VectorPointwise.scaleShiftLanes(tile, pixels, channels, scale, shift, relu && residual == null)) {
            return false;
        }
        for (int ch = 0; ch < channels; ch++) {
            int at = outOff + ch * outStride;
            if (residual == null) {
                for (int i = 0; i < pixels; i++) {
                    out[at + i] = tile[i * channels + ch];
                }
            } else {
                for (int i = 0; i < pixels; i++) {
                    float v = tile[i * channels + ch] + residual[at + i];
                    out[at + i] = relu ? Math.max(v, 0f) : v;
                }
            }
        }
        return true;
    }

    /**
     * {@code x[i] = relu(x[i] * scale + shift + residual[i])} for {@code i} in {@code [from, to)}, with
     * channel {@code ch}'s scale and shift.
     */
    @Override
    public void apply(float[] x, int from, int to, int ch, int tile) {
        if (VectorApi.available()) {
            VectorPointwise.scaleShiftAddRelu(x, scale[ch], shift[ch], residual, relu, x, from, to);
            return;
        }
        float s = scale[ch];
        float t = shift[ch];
        for (int i = from; i < to; i++) {
            float v = x[i] * s + t;
            if (residual != null) {
                v += residual[i];
            }
            x[i] = relu ? Math.max(v, 0f) : v;
        }
    }
}
