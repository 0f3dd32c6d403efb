package io.tornadoresnet.kernels;

import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * Batch normalisation over the channels of an NCHW tensor (Ioffe and Szegedy, 2015), as PyTorch's
 * {@code nn.BatchNorm2d(c, eps, momentum)}: x and y are {@code [n][c][hw]}, every per-channel
 * vector has length c, and the statistics run over {@code m = n * hw} values per channel.
 *
 * <p>Training normalises with the biased batch variance and updates the running statistics with
 * the unbiased one: {@code running = (1 - momentum) * running + momentum * batchStatistic}.
 * Inference normalises with the running statistics. The statistics and the parameter gradients are
 * two-pass reductions: a per-(image, channel) partial sum, then a per-channel finish.
 *
 * <p>Training forward: {@link #channelSums}, {@link #finishMean}, {@link #channelSquaredDeviations},
 * {@link #finishVariance}, {@link #normalizeBatch}. Backward: {@link #backwardPartials}, then
 * {@code ReduceKernels.sumGroups(partial, grad, n, c)} for gamma and for beta, then
 * {@link #backwardInput}.
 *
 * <p>Synchronised over data-parallel replicas (PyTorch's {@code SyncBatchNorm}), the statistics come
 * from per-channel sums that the replicas average between two kernels: forward
 * {@link #channelSumsAndSquares}, {@code sumGroups(partial, sums, n, 2c)}, the average,
 * {@link #finishFromSums}, {@link #normalizeBatch}; backward {@link #backwardPartials}, {@code sumGroups}
 * for gamma and for beta, {@link #packGradientSums}, the average, {@link #backwardInputFromSums}.
 * Averaged sums over the replicas' equal shares, divided by one share's count, are the global batch's means.
 */
public final class BatchNormKernels {

    private BatchNormKernels() {
    }

    /** x [n][c][hw] -> partial [n][c]: {@code partial[b][ch] = sum_p x[b][ch][p]}. */
    public static void channelSums(float[] x, float[] partial, int n, int c, int hw) {
        for (@Parallel int b = 0; b < n; b++) {
            for (@Parallel int ch = 0; ch < c; ch++) {
                int base = (b * c + ch) * hw;
                float acc = 0f;
                for (int p = 0; p < hw; p++) {
                    acc += x[base + p];
                }
                partial[b * c + ch] = acc;
            }
        }
    }

    /** partial [n][c] -> mean [c]: {@code mean[ch] = sum_b partial[b][ch] / (n * hw)}. */
    public static void finishMean(float[] partial, float[] mean, int n, int c, int hw) {
        for (@Parallel int ch = 0; ch < c; ch++) {
            float acc = 0f;
            for (int b = 0; b < n; b++) {
                acc += partial[b * c + ch];
            }
            mean[ch] = acc / (float) (n * hw);
        }
    }

    /** x [n][c][hw], mean [c] -> partial [n][c]: {@code partial[b][ch] = sum_p (x[b][ch][p] - mean[ch])^2}. */
    public static void channelSquaredDeviations(float[] x, float[] mean, float[] partial, int n, int c, int hw) {
        for (@Parallel int b = 0; b < n; b++) {
            for (@Parallel int ch = 0; ch < c; ch++) {
                int base = (b * c + ch) * hw;
                float mu = mean[ch];
                float acc = 0f;
                for (int p = 0; p < hw; p++) {
                    float d = x[base + p] - mu;
                    acc += d * d;
                }
                partial[b * c + ch] = acc;
            }
        }
    }

    /**
     * partial [n][c], mean [c] -> invStd [c]; updates runningMean [c] and runningVar [c] in place.
     * {@code var = sum_b partial / m} (biased, normalises), {@code invStd = 1 / sqrt(var + eps)};
     * the running variance takes the unbiased {@code var * m / (m - 1)}, as PyTorch
     * (with m = 1, where PyTorch refuses to train, it takes var itself rather than a NaN).
     */
    public static void finishVariance(float[] partial, float[] mean, float[] invStd,
                                      float[] runningMean, float[] runningVar,
                                      int n, int c, int hw, float eps, float momentum) {
        for (@Parallel int ch = 0; ch < c; ch++) {
            int m = n * hw;
            float acc = 0f;
            for (int b = 0; b < n; b++) {
                acc += partial[b * c + ch];
            }
            float var = acc / (float) m;
            invStd[ch] = 1f / (float) Math.sqrt(var + eps);
            float unbiased = m > 1 ? var * ((float) m / (float) (m - 1)) : var;
            runningMean[ch] = (1f - momentum) * runningMean[ch] + momentum * mean[ch];
            runningVar[ch] = (1f - momentum) * runningVar[ch] + momentum * unbiased;
        }
    }

    /**
     * x [n][c][hw] -> partial [n][2c]: {@code partial[b][ch] = sum_p x[b][ch][p]} and
     * {@code partial[b][c + ch] = sum_p x[b][ch][p]^2}.
     */
    public static void channelSumsAndSquares(float[] x, float[] partial, int n, int c, int hw) {
        for (@Parallel int b = 0; b < n; b++) {
            for (@Parallel int ch = 0; ch < c; ch++) {
                int base = (b * c + ch) * hw;
                float sum = 0f;
                float squares = 0f;
                for (int p = 0; p < hw; p++) {
                    float v = x[base + p];
                    sum += v;
                    squares += v * v;
                }
                partial[b * 2 * c + ch] = sum;
                partial[b * 2 * c + c + ch] = squares;
            }
        }
    }

    /**
     * sums [2c] (sum of x, then sum of x^2, per channel, over {@code count} values each; or their mean
     * over {@code replicas} replicas of {@code count} values each) -> mean, invStd [c]; updates
     * runningMean and runningVar [c] in place. {@code var = sums[c + ch] / count - mean^2} (biased, at
     * least 0, normalises); the running variance takes the unbiased one for the
     * {@code count * replicas} values of all replicas.
     */
    public static void finishFromSums(float[] sums, float[] mean, float[] invStd, float[] runningMean,
                                      float[] runningVar, int c, int count, int replicas, float eps, float momentum) {
        for (@Parallel int ch = 0; ch < c; ch++) {
            float mu = sums[ch] / (float) count;
            float var = Math.max(sums[c + ch] / (float) count - mu * mu, 0f);
            int m = count * replicas;
            mean[ch] = mu;
            invStd[ch] = 1f / (float) Math.sqrt(var + eps);
            float unbiased = m > 1 ? var * ((float) m / (float) (m - 1)) : var;
            runningMean[ch] = (1f - momentum) * runningMean[ch] + momentum * mu;
            runningVar[ch] = (1f - momentum) * runningVar[ch] + momentum * unbiased;
        }
    }

    /**
     * x [n][c][hw] -> y [n][c][hw]: {@code y = (x - mean[ch]) * invStd[ch] * gamma[ch] + beta[ch]}.
     * (Not named "normalize": that is an OpenCL built-in, which TornadoVM refuses as a task name.)
     */
    public static void normalizeBatch(float[] x, float[] mean, float[] invStd, float[] gamma, float[] beta, float[] y,
                                 int n, int c, int hw) {
        for (@Parallel int b = 0; b < n; b++) {
            for (@Parallel int ch = 0; ch < c; ch++) {
                for (@Parallel int p = 0; p < hw; p++) {
                    int i = (b * c + ch) * hw + p;
                    y[i] = (x[i] - mean[ch]) * invStd[ch] * gamma[ch] + beta[ch];
                }
            }
        }
    }

    /** Inference: x [n][c][hw] -> y [n][c][hw], {@code y = (x - runningMean) / sqrt(runningVar + eps) * gamma + beta}. */
    public static void forwardInference(float[] x, float[] runningMean, float[] runningVar, float[] gamma, float[] beta,
                                        float[] y, int n, int c, int hw, float eps) {
        for (@Parallel int b = 0; b < n; b++) {
            for (@Parallel int ch = 0; ch < c; ch++) {
                for (@Parallel int p = 0; p < hw; p++) {
                    int i = (b * c + ch) * hw + p;
                    float invStd = 1f / (float) Math.sqrt(runningVar[ch] + eps);
                    y[i] = (x[i] - runningMean[ch]) * invStd * gamma[ch] + beta[ch];
                }
            }
        }
    }

    /**
     * gradOut, x [n][c][hw] (x the saved input), mean, invStd [c] -> partialGamma, partialBeta [n][c]:
     * {@code partialGamma[b][ch] = sum_p gradOut * xhat}, {@code partialBeta[b][ch] = sum_p gradOut},
     * with {@code xhat = (x - mean) * invStd}.
     */
    public static void backwardPartials(float[] gradOut, float[] x, float[] mean, float[] invStd,
                                        float[] partialGamma, float[] partialBeta, int n, int c, int hw) {
        for (@Parallel int b = 0; b < n; b++) {
            for (@Parallel int ch = 0; ch < c; ch++) {
                int base = (b * c + ch) * hw;
                float mu = mean[ch];
                float is = invStd[ch];
                float accGamma = 0f;
                float accBeta = 0f;
                for (int p = 0; p < hw; p++) {
                    float go = gradOut[base + p];
                    accGamma += go * (x[base + p] - mu) * is;
                    accBeta += go;
                }
                partialGamma[b * c + ch] = accGamma;
                partialBeta[b * c + ch] = accBeta;
            }
        }
    }

    /**
     * gradOut, x [n][c][hw], per-channel mean, invStd, gamma, gradGamma, gradBeta [c] -> gradIn [n][c][hw]:
     * the gradient through the batch statistics,
     * {@code gradIn = gamma * invStd / m * (m * gradOut - gradBeta - xhat * gradGamma)}.
     */
    public static void backwardInput(float[] gradOut, float[] x, float[] mean, float[] invStd, float[] gamma,
                                     float[] gradGamma, float[] gradBeta, float[] gradIn, int n, int c, int hw) {
        for (@Parallel int b = 0; b < n; b++) {
            for (@Parallel int ch = 0; ch < c; ch++) {
                for (@Parallel int p = 0; p < hw; p++) {
                    int i = (b * c + ch) * hw + p;
                    float m = (float) (n * hw);
                    float xhat = (x[i] - mean[ch]) * invStd[ch];
                    gradIn[i] = gamma[ch] * invStd[ch] / m * (m * gradOut[i] - gradBeta[ch] - xhat * gradGamma[ch]);
                }
            }
        }
    }

    /** gradGamma, gradBeta [c] -> sums [2c]: gradGamma's values, then gradBeta's. */
    public static void packGradientSums(float[] gradGamma, float[] gradBeta, float[] sums, int c) {
        for (@Parallel int ch = 0; ch < c; ch++) {
            sums[ch] = gradGamma[ch];
            sums[c + ch] = gradBeta[ch];
        }
    }

    /**
     * {@link #backwardInput} with the two gradient sums packed in sums [2c] (sum of gradOut * xhat,
     * then sum of gradOut), as {@link #packGradientSums} packs them, or their mean over the replicas.
     */
    public static void backwardInputFromSums(float[] gradOut, float[] x, float[] mean, float[] invStd, float[] gamma,
                                             float[] sums, float[] gradIn, int n, int c, int hw) {
        for (@Parallel int b = 0; b < n; b++) {
            for (@Parallel int ch = 0; ch < c; ch++) {
                for (@Parallel int p = 0; p < hw; p++) {
                    int i = (b * c + ch) * hw + p;
                    float m = (float) (n * hw);
                    float xhat = (x[i] - mean[ch]) * invStd[ch];
                    gradIn[i] = gamma[ch] * invStd[ch] / m * (m * gradOut[i] - sums[c + ch] - xhat * sums[ch]);
                }
            }
        }
    }
}
