package io.tornadoresnet.train;

import io.tornadoresnet.data.Batch;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.plan.Stage;
import io.tornadoresnet.tensor.Tensor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * An SGD step whose gradients are computed apart from the update: over several micro-batches
 * (accumulated, then averaged), over several workers (averaged through {@link Workers}), or both.
 * Of each global batch of B rows, worker r of N gets the rows r, r+N, r+2N, ... from its loader (as
 * PyTorch's DistributedSampler deals a shuffled epoch), and its micro-batch i of K takes the rows
 * i, i+K, ... of those, which are the global rows r + N*i + N*K*j: sub-batch p = r + N*i of the N*K,
 * each normalised by its own batch-norm statistics. One worker with K micro-batches therefore sees
 * the same sub-batches as K workers.
 *
 * <p>The gradients, the loss, the correct count, the count of training files left out (undecodable)
 * and a stop request travel in one buffer, averaged
 * in one call per step. Batch-norm running statistics follow PyTorch's gradient accumulation (each
 * micro-batch updates them in turn), or, for ghost batches, they take the mean of the micro-batches'
 * updates. Workers average their running statistics at every step where the state lives in host
 * memory (they ride in the same buffer), else when the state is read ({@link #averageRunningStatistics}):
 * the update is linear, so both give the mean that DDP's per-worker statistics average to, and one
 * worker with ghost batches the same. With synchronised batch norm ({@link ReplicaStatistics}) the
 * workers' running statistics agree already, and are left alone; the averaging calls inside the
 * plan count as averaging time, not compute time.
 */
final class GradientExchange {
    private static final int LOSS = 0;
    private static final int CORRECT = 1;
    private static final int STOP = 2;
    private static final int FILES_LEFT_OUT = 3;
    private static final int METRICS = 4;

    private final Plan plan;
    private final Backend.Executable stepper;
    private final Workers workers;
    private final int microBatches;
    private final boolean ghost;
    private final List<Tensor> gradients;
    private final List<Tensor> runningStatistics;
    private final List<Tensor> replicated;
    private final int gradientLength;
    private final boolean runningEveryStep;
    /** Where the loss, the counts and the stop request sit in the buffer, after the averaged tensors. */
    private final int metricsAt;
    private final float[] buffer;
    private final float[] runningBefore;
    private final float[] runningSum;
    private final float[] runningBuffer;
    private final ReplicaStatistics synchronizedBatchNorm;
    private final int batchNormCalls;
    private final long batchNormBytes;
    private long computeNanos;
    private long reduceNanos;

    /** What the workers agreed on for one step. */
    record Outcome(float loss, int correct, int filesLeftOut, boolean stop) {
    }

    /**
     * @param stepper      a compiled plan that {@link Plan#exchangesGradients()}, of batch B / (N * microBatches)
     * @param ghost        running statistics as separate workers would keep them, rather than PyTorch's accumulation
     * @param runningEveryStep average the workers' running statistics with the gradients, at every step
     *                     (for a state in host memory, where reading them costs nothing)
     * @param synchronizedBatchNorm the workers as the plan's synchronised batch norms average through
     *                     them, or null where each worker keeps its own statistics
     */
    GradientExchange(Backend.Executable stepper, Workers workers, int microBatches, boolean ghost,
                     boolean runningEveryStep, ReplicaStatistics synchronizedBatchNorm) {
        this.plan = stepper.plan();
        this.stepper = stepper;
        this.workers = workers;
        this.microBatches = microBatches;
        this.ghost = ghost;
        this.gradients = plan.gradients();
        List<Tensor> running = new ArrayList<>();
        List<Tensor> others = new ArrayList<>();
        for (Tensor t : plan.modelState()) {
            (isRunningStatistic(t) ? running : others).add(t);
        }
        this.runningStatistics = List.copyOf(running);
        this.replicated = List.copyOf(others);
        this.gradientLength = length(gradients);
        int runningLength = length(runningStatistics);
        this.synchronizedBatchNorm = synchronizedBatchNorm;
        int calls = 0;
        long bytes = 0;
        for (Stage stage : plan.stages()) {
            for (Op op : stage.ops()) {
                if (op instanceof Op.ReplicaMean mean) {
                    calls++;
                    bytes += (long) Float.BYTES * mean.values().size();
                }
            }
        }
        this.batchNormCalls = calls * microBatches;
        this.batchNormBytes = bytes * microBatches;
        this.runningEveryStep = runningEveryStep && workers.size() > 1 && synchronizedBatchNorm == null;
        this.metricsAt = gradientLength + (this.runningEveryStep ? runningLength : 0);
        this.buffer = new float[metricsAt + METRICS];
        this.runningBuffer = new float[runningLength];
        this.runningBefore = ghost ? new float[runningLength] : null;
        this.runningSum = ghost ? new float[runningLength] : null;
    }

    static boolean isRunningStatistic(Tensor t) {
        return t.name().endsWith(".running_mean") || t.name().endsWith(".running_var");
    }

    /**
     * Computes this worker's gradients of its share of the global batch, averages them (and the
     * metrics) over the micro-batches and the workers, and leaves the mean in the plan's gradient
     * tensors for {@link #apply}. The caller has set the learning rate.
     */
    Outcome compute(Batch share, boolean stopRequested) throws IOException {
        int n = workers.size();
        int rows = plan.batch();
        int imageSize = plan.input().size() / rows;
        if (ghost) {
            stepper.pullModelState();
            gather(runningStatistics, runningBefore);
        }
        float loss = 0;
        long correct = 0;
        for (int i = 0; i < microBatches; i++) {
            for (int j = 0; j < rows; j++) {
                int row = i + microBatches * j;
                System.arraycopy(share.images(), row * imageSize, plan.input().data(), j * imageSize, imageSize);
                plan.labels()[j] = share.labels()[row];
            }
            long start = System.nanoTime();
            long inPlan = synchronizedBatchNorm == null ? 0 : synchronizedBatchNorm.nanos();
            try {
                stepper.computeGradients();
            } catch (UncheckedIOException e) {
                throw e.getCause();
            }
            long averaging = synchronizedBatchNorm == null ? 0 : synchronizedBatchNorm.nanos() - inPlan;
            computeNanos += System.nanoTime() - start - averaging;
            reduceNanos += averaging;
            loss = i == 0 ? plan.loss() : loss + plan.loss();
            correct += plan.correct();
            int offset = 0;
            for (Tensor g : gradients) {
                float[] d = g.data();
                if (i == 0) {
                    System.arraycopy(d, 0, buffer, offset, d.length);
                } else {
                    for (int k = 0; k < d.length; k++) {
                        buffer[offset + k] += d[k];
                    }
                }
                offset += d.length;
            }
            if (ghost) {
                stepper.pullModelState();
                addTo(runningStatistics, runningSum, i == 0);
                if (i + 1 < microBatches) {
                    scatter(runningBefore, runningStatistics);
                    stepper.pushModelState();
                }
            }
        }
        if (microBatches > 1) {
            for (int k = 0; k < gradientLength; k++) {
                buffer[k] /= microBatches;
            }
            loss /= microBatches;
        }
        if (ghost) {
            for (int k = 0; k < runningSum.length; k++) {
                runningSum[k] /= microBatches;
            }
        }
        if (runningEveryStep) {
            gatherAt(runningStatistics, buffer, gradientLength);
        }
        buffer[metricsAt + LOSS] = loss;
        buffer[metricsAt + CORRECT] = correct;
        buffer[metricsAt + STOP] = stopRequested ? 1 : 0;
        buffer[metricsAt + FILES_LEFT_OUT] = share.skipped();
        reduce(buffer);
        scatter(buffer, gradients);
        if (runningEveryStep) {
            scatterFrom(buffer, gradientLength, runningStatistics);
        }
        return new Outcome(buffer[metricsAt + LOSS], Math.round(buffer[metricsAt + CORRECT] * n),
                Math.round(buffer[metricsAt + FILES_LEFT_OUT] * n), buffer[metricsAt + STOP] > 0);
    }

    /**
     * The optimizer update with the averaged gradients; with ghost batches, the running statistics
     * then become the mean of the micro-batches' (not before: a device must not receive the state
     * between the two halves of a step).
     */
    void apply() {
        long start = System.nanoTime();
        stepper.applyGradients();
        computeNanos += System.nanoTime() - start;
        if (ghost) {
            stepper.pullModelState();
            scatter(runningSum, runningStatistics);
            stepper.pushModelState();
        }
    }

    /** Replaces every worker's batch-norm running statistics by their mean over the workers. */
    void averageRunningStatistics() throws IOException {
        if (workers.size() == 1 || runningEveryStep || synchronizedBatchNorm != null || runningBuffer.length == 0) {
            return;
        }
        stepper.pullModelState();
        gather(runningStatistics, runningBuffer);
        reduce(runningBuffer);
        scatter(runningBuffer, runningStatistics);
        stepper.pushModelState();
    }

    /**
     * Whether every worker holds the same weights and momentum, bit for bit: each worker's hash of
     * them, gathered through one averaging call (each worker fills only its own slots, with 16-bit
     * pieces that the mean carries exactly).
     */
    boolean replicasIdentical() throws IOException {
        int n = workers.size();
        if (n == 1) {
            return true;
        }
        stepper.pullModelState();
        long hash = Tensor.bitsHash(replicated);
        float[] slots = new float[4 * n];
        for (int p = 0; p < 4; p++) {
            slots[4 * workers.rank() + p] = (hash >>> (16 * p)) & 0xFFFF;
        }
        reduce(slots);
        for (int r = 0; r < n; r++) {
            long other = 0;
            for (int p = 0; p < 4; p++) {
                other |= (long) Math.round(slots[4 * r + p] * n) << (16 * p);
            }
            if (other != hash) {
                return false;
            }
        }
        return true;
    }


    /** Bytes of the buffer each worker contributes to the step's averaging call. */
    /** Bytes this worker puts into a step's averaging calls: the gradient buffer and any batch-norm sums. */
    long bytesPerStep() {
        return (long) Float.BYTES * buffer.length + batchNormBytes;
    }

    /** Averaging calls per step: one for the gradients, and two per synchronised batch norm and micro-batch. */
    int callsPerStep() {
        return 1 + batchNormCalls;
    }

    double computeSeconds() {
        return computeNanos / 1e9;
    }

    /** Seconds in the averaging calls: moving and summing the data, and waiting for slower workers. */
    double reduceSeconds() {
        return reduceNanos / 1e9;
    }

    private void reduce(float[] data) throws IOException {
        if (workers.size() == 1) {
            return;
        }
        long start = System.nanoTime();
        workers.averageInPlace(data, 0, data.length);
        reduceNanos += System.nanoTime() - start;
    }

    private static int length(List<Tensor> tensors) {
        long sum = tensors.stream().mapToLong(Tensor::size).sum();
        return Math.toIntExact(sum);
    }

    private static void gather(List<Tensor> tensors, float[] into) {
        gatherAt(tensors, into, 0);
    }

    private static void gatherAt(List<Tensor> tensors, float[] into, int offset) {
        for (Tensor t : tensors) {
            System.arraycopy(t.data(), 0, into, offset, t.size());
            offset += t.size();
        }
    }

    private static void scatter(float[] from, List<Tensor> tensors) {
        scatterFrom(from, 0, tensors);
    }

    private static void scatterFrom(float[] from, int offset, List<Tensor> tensors) {
        for (Tensor t : tensors) {
            System.arraycopy(from, offset, t.data(), 0, t.size());
            offset += t.size();
        }
    }

    private static void addTo(List<Tensor> tensors, float[] sum, boolean first) {
        int offset = 0;
        for (Tensor t : tensors) {
            float[] d = t.data();
            for (int k = 0; k < d.length; k++) {
                sum[offset + k] = first ? d[k] : sum[offset + k] + d[k];
            }
            offset += d.length;
        }
    }
}
