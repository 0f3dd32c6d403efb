package io.tornadoresnet.kernels;

import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * Softmax cross-entropy, as PyTorch's {@code nn.CrossEntropyLoss()} (mean over the batch), fused with
 * its gradient and the count of correct answers, so that only two scalars per step need to leave
 * the device ({@link #batchMetrics}). The log-softmax subtracts each row's maximum first, so large
 * logits stay finite.
 */
public final class LossKernels {

    private LossKernels() {
    }

    /**
     * logits [n][classes], labels [n] -> gradLogits [n][classes], lossPerSample [n], correctPerSample [n]:
     * {@code loss[b] = logsumexp(logits[b]) - logits[b][label]}, {@code gradLogits = (softmax - onehot) / n}
     * (the gradient of the batch mean), {@code correct[b] = 1} if the first maximum is the label, else 0.
     * A negative label marks a padding row (the unused end of a fixed-size batch): its loss, gradient
     * and correct count are 0, and n stays the divisor.
     */
    public static void softmaxCrossEntropy(float[] logits, int[] labels, float[] gradLogits, float[] lossPerSample,
                                           float[] correctPerSample, int n, int classes) {
        for (@Parallel int b = 0; b < n; b++) {
            int base = b * classes;
            int label = labels[b];
            float max = logits[base];
            int best = 0;
            for (int j = 1; j < classes; j++) {
                float v = logits[base + j];
                if (v > max) {
                    max = v;
                    best = j;
                }
            }
            // gradLogits holds exp(logit - max) until the sum is known.
            float sum = 0f;
            for (int j = 0; j < classes; j++) {
                float e = (float) Math.exp(logits[base + j] - max);
                gradLogits[base + j] = e;
                sum += e;
            }
            float valid = label >= 0 ? 1f : 0f;
            int target = label >= 0 ? label : 0;
            lossPerSample[b] = valid * ((float) Math.log(sum) - (logits[base + target] - max));
            float scale = valid / (sum * (float) n);
            float invN = 1f / (float) n;
            for (int j = 0; j < classes; j++) {
                float oneHotOverN = j == label ? invN : 0f;
                gradLogits[base + j] = gradLogits[base + j] * scale - oneHotOverN;
            }
            correctPerSample[b] = best == label ? valid : 0f;
        }
    }

    /**
     * lossPerSample, correctPerSample [n] -> metrics [2]: {@code metrics[0]} the mean loss,
     * {@code metrics[1]} the number correct. A single serial sum (n is a batch size).
     */
    public static void batchMetrics(float[] lossPerSample, float[] correctPerSample, float[] metrics, int n) {
        for (@Parallel int t = 0; t < 1; t++) {
            float loss = 0f;
            float correct = 0f;
            for (int b = 0; b < n; b++) {
                loss += lossPerSample[b];
                correct += correctPerSample[b];
            }
            metrics[0] = loss / (float) n;
            metrics[1] = correct;
        }
    }

    /** logits [n][classes] -> probs [n][classes]: the row-wise softmax (for prediction). */
    public static void softmax(float[] logits, float[] probs, int n, int classes) {
        for (@Parallel int b = 0; b < n; b++) {
            int base = b * classes;
            float max = logits[base];
            for (int j = 1; j < classes; j++) {
                max = Math.max(max, logits[base + j]);
            }
            float sum = 0f;
            for (int j = 0; j < classes; j++) {
                float e = (float) Math.exp(logits[base + j] - max);
                probs[base + j] = e;
                sum += e;
            }
            float inv = 1f / sum;
            for (int j = 0; j < classes; j++) {
                probs[base + j] = probs[base + j] * inv;
            }
        }
    }
}
