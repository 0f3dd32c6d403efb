package io.tornadoresnet.backend.jvm;

/**
 * The per-channel mean and biased variance of a convolution's output in a training step, gathered as
 * {@link ConvRoutine} writes each tile, so that batch norm's training pass reads the output once (to
 * normalise it) instead of three times (mean, squared deviations, normalise).
 *
 * <p>Each (tile, channel) segment, a few thousand floats, is read once while it is in cache: the sum of
 * its deviations from its first value and the sum of their squares. Shifted by a value of the data, the
 * sum of squares keeps its precision as {@code BatchNormKernels}' two passes (mean, then squared
 * deviations) do, unless the first value lies many standard deviations from the mean ("shifted data" in
 * Chan, Golub and LeVeque, "Algorithms for computing the sample variance", 1983). {@link #finish}
 * turns each segment into a mean and a sum of squared deviations and combines the segments in tile order
 * with the same paper's pairwise update, in double precision, so the statistics do not depend on the
 * thread count or timing.
 * It serves {@link Pointwise}'s batch norm, so it needs the Vector API as that does.
 */
final class ChannelMoments implements TileEpilogue {
    private final int channels;
    private final int[] counts;
    private final float[] shifts;
    private final float[] sums;
    private final float[] squares;

    ChannelMoments(int tiles, int channels) {
        this.channels = channels;
        this.counts = new int[tiles];
        this.shifts = new float[tiles * channels];
        this.sums = new float[tiles * channels];
        this.squares = new float[tiles * channels];
    }

    @Override
    public void apply(float[] out, int from, int to, int channel, int tile) {
        int at = tile * channels + channel;
        counts[tile] = to - from;
        shifts[at] = out[from];
        VectorPointwise.shiftedSums(out, out[from], from, to, sums, squares, at);
    }

    /** The mean and biased variance of each channel over every tile of the last pass. */
    void finish(float[] mean, float[] variance) {
        for (int ch = 0; ch < channels; ch++) {
            double count = 0;
            double mu = 0;
            double deviations = 0;
            for (int tile = 0; tile < counts.length; tile++) {
                int at = tile * channels + ch;
                double n = counts[tile];
                double shifted = sums[at];
                double segmentMean = shifts[at] + shifted / n;
                double segmentSquares = Math.max(0, squares[at] - shifted * shifted / n);
                double total = count + n;
                double delta = segmentMean - mu;
                mu += delta * n / total;
                deviations += segmentSquares + delta * delta * count * n / total;
                count = total;
            }
            mean[ch] = (float) mu;
            variance[ch] = (float) (deviations / count);
        }
    }
}
