package io.tornadoresnet.kernels;

/**
 * Plain, obviously correct double-precision references of every forward op, written the long way
 * (explicit padded copies, nested loops in the textbook order), independent of the kernels' index
 * arithmetic. The finite-difference gradients go through these.
 */
final class Reference {

    private Reference() {
    }

    static int convOut(int size, int kernel, int stride, int pad) {
        return (size + 2 * pad - kernel) / stride + 1;
    }

    /** Copy of x [n][c][h][w] into [n][c][h+2pad][w+2pad], filled with {@code fill} around it. */
    static double[] pad(double[] x, int n, int c, int h, int w, int pad, double fill) {
        int hp = h + 2 * pad;
        int wp = w + 2 * pad;
        double[] p = new double[n * c * hp * wp];
        java.util.Arrays.fill(p, fill);
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0; y < h; y++) {
                    for (int x0 = 0; x0 < w; x0++) {
                        p[((b * c + ch) * hp + y + pad) * wp + x0 + pad] = x[((b * c + ch) * h + y) * w + x0];
                    }
                }
            }
        }
        return p;
    }

    /** Convolution without bias: zero-pad explicitly, then slide the kernel with the stride. */
    static double[] conv(double[] in, double[] weight, int n, int c, int h, int w, int k, int kh, int kw,
                         int stride, int pad) {
        int oh = convOut(h, kh, stride, pad);
        int ow = convOut(w, kw, stride, pad);
        int hp = h + 2 * pad;
        int wp = w + 2 * pad;
        double[] padded = pad(in, n, c, h, w, pad, 0.0);
        double[] out = new double[n * k * oh * ow];
        for (int b = 0; b < n; b++) {
            for (int co = 0; co < k; co++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        double s = 0;
                        for (int ci = 0; ci < c; ci++) {
                            for (int ky = 0; ky < kh; ky++) {
                                for (int kx = 0; kx < kw; kx++) {
                                    double v = padded[((b * c + ci) * hp + oy * stride + ky) * wp + ox * stride + kx];
                                    s += v * weight[((co * c + ci) * kh + ky) * kw + kx];
                                }
                            }
                        }
                        out[((b * k + co) * oh + oy) * ow + ox] = s;
                    }
                }
            }
        }
        return out;
    }

    /** Training-mode batch norm over [n][c][hw]: biased batch variance. */
    static double[] batchNormTrain(double[] x, double[] gamma, double[] beta, int n, int c, int hw, double eps) {
        double[] y = new double[x.length];
        int m = n * hw;
        for (int ch = 0; ch < c; ch++) {
            double mean = 0;
            for (int b = 0; b < n; b++) {
                for (int p = 0; p < hw; p++) {
                    mean += x[(b * c + ch) * hw + p];
                }
            }
            mean /= m;
            double var = 0;
            for (int b = 0; b < n; b++) {
                for (int p = 0; p < hw; p++) {
                    double d = x[(b * c + ch) * hw + p] - mean;
                    var += d * d;
                }
            }
            var /= m;
            for (int b = 0; b < n; b++) {
                for (int p = 0; p < hw; p++) {
                    int i = (b * c + ch) * hw + p;
                    y[i] = (x[i] - mean) / Math.sqrt(var + eps) * gamma[ch] + beta[ch];
                }
            }
        }
        return y;
    }

    static double[] relu(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = Math.max(0, x[i]);
        }
        return y;
    }

    /** Max pooling over an explicitly minus-infinity-padded copy. */
    static double[] maxPool(double[] in, int n, int c, int h, int w, int size, int stride, int pad) {
        int oh = convOut(h, size, stride, pad);
        int ow = convOut(w, size, stride, pad);
        int hp = h + 2 * pad;
        int wp = w + 2 * pad;
        double[] padded = pad(in, n, c, h, w, pad, Double.NEGATIVE_INFINITY);
        double[] out = new double[n * c * oh * ow];
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int oy = 0; oy < oh; oy++) {
                    for (int ox = 0; ox < ow; ox++) {
                        double m = Double.NEGATIVE_INFINITY;
                        for (int dy = 0; dy < size; dy++) {
                            for (int dx = 0; dx < size; dx++) {
                                m = Math.max(m, padded[((b * c + ch) * hp + oy * stride + dy) * wp + ox * stride + dx]);
                            }
                        }
                        out[((b * c + ch) * oh + oy) * ow + ox] = m;
                    }
                }
            }
        }
        return out;
    }

    static double[] avgPool(double[] in, int n, int c, int hw) {
        double[] out = new double[n * c];
        for (int i = 0; i < n * c; i++) {
            double s = 0;
            for (int p = 0; p < hw; p++) {
                s += in[i * hw + p];
            }
            out[i] = s / hw;
        }
        return out;
    }

    /** Option-A shortcut: x[:, :, ::stride, ::stride], then zero channels, padLow below and the rest above. */
    static double[] shortcut(double[] in, int n, int c, int h, int w, int k, int stride, int padLow) {
        int oh = (h + stride - 1) / stride;
        int ow = (w + stride - 1) / stride;
        double[] sub = new double[n * c * oh * ow];
        for (int b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                for (int y = 0, oy = 0; y < h; y += stride, oy++) {
                    for (int x = 0, ox = 0; x < w; x += stride, ox++) {
                        sub[((b * c + ch) * oh + oy) * ow + ox] = in[((b * c + ch) * h + y) * w + x];
                    }
                }
            }
        }
        double[] out = new double[n * k * oh * ow];
        for (int b = 0; b < n; b++) {
            System.arraycopy(sub, b * c * oh * ow, out, (b * k + padLow) * oh * ow, c * oh * ow);
        }
        return out;
    }

    /** y = x W^T + b with W [out][in]. */
    static double[] linear(double[] x, double[] weight, double[] bias, int n, int in, int out) {
        double[] y = new double[n * out];
        for (int b = 0; b < n; b++) {
            for (int o = 0; o < out; o++) {
                double s = bias[o];
                for (int i = 0; i < in; i++) {
                    s += x[b * in + i] * weight[o * in + i];
                }
                y[b * out + o] = s;
            }
        }
        return y;
    }

    static double[] softmax(double[] logits, int n, int classes) {
        double[] p = new double[logits.length];
        for (int b = 0; b < n; b++) {
            double max = rowMax(logits, b * classes, classes);
            double sum = sumExp(logits, b * classes, classes, max);
            for (int j = 0; j < classes; j++) {
                p[b * classes + j] = Math.exp(logits[b * classes + j] - max) / sum;
            }
        }
        return p;
    }

    private static double rowMax(double[] x, int from, int length) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < length; j++) {
            max = Math.max(max, x[from + j]);
        }
        return max;
    }

    /** The sum of exp(x - shift) over a row. */
    private static double sumExp(double[] x, int from, int length, double shift) {
        double sum = 0;
        for (int j = 0; j < length; j++) {
            sum += Math.exp(x[from + j] - shift);
        }
        return sum;
    }

    /** Per-sample cross-entropy -log softmax(logits)[label], by log-sum-exp. */
    static double[] crossEntropy(double[] logits, int[] labels, int n, int classes) {
        double[] loss = new double[n];
        for (int b = 0; b < n; b++) {
            double max = rowMax(logits, b * classes, classes);
            double sum = sumExp(logits, b * classes, classes, max);
            loss[b] = max + Math.log(sum) - logits[b * classes + labels[b]];
        }
        return loss;
    }
}
