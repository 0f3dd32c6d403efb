package io.tornadoresnet.train;

import io.tornadoresnet.io.CheckpointMetadata;
import io.tornadoresnet.io.CheckpointMetadata.EpochProgress;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.plan.Backend;

/**
 * Where a run stands, as its listeners see it: epochs finished, batches consumed, the sums of the
 * epoch in progress, and the model (whose state a listener pulls from the backend when it needs it).
 */
public final class TrainingState {
    private final ResNet model;
    private final Backend.Executable stepper;
    private final CheckpointMetadata runMetadata;
    private final int epochs;
    private final int stepsPerEpoch;
    private final boolean resumed;

    private int epoch;
    private long step;
    private int epochSteps;
    private int epochSkipped;
    private double epochLossSum;
    private long epochCorrect;
    private long epochImages;
    /** Training files of the epoch left out so far because they could not be decoded, all workers together. */
    private int epochSkippedFiles;
    /** Seconds of the epoch spent waiting for the next batch, in this process and before a resume. */
    private double epochDataWaitSeconds;
    private double secondsBefore;
    private long startNanos;

    /** @param start the run's metadata at the point where this process starts */
    TrainingState(ResNet model, Backend.Executable stepper, CheckpointMetadata start, int epochs, int stepsPerEpoch,
                  boolean resumed) {
        this.model = model;
        this.stepper = stepper;
        this.runMetadata = start;
        this.epochs = epochs;
        this.stepsPerEpoch = stepsPerEpoch;
        this.resumed = resumed;
        this.epoch = start.epoch();
        this.step = start.step();
        EpochProgress p = start.partial();
        this.epochSteps = p.steps();
        this.epochSkipped = p.skipped();
        this.epochLossSum = p.lossSum();
        this.epochCorrect = p.correct();
        this.epochImages = p.images();
        this.epochSkippedFiles = p.skippedFiles();
        this.epochDataWaitSeconds = p.dataWaitSeconds();
        this.secondsBefore = p.seconds();
        this.startNanos = System.nanoTime();
    }

    public ResNet model() {
        return model;
    }

    /** Whether this process continues a run from its checkpoint. */
    public boolean resumed() {
        return resumed;
    }

    /** Epochs the recipe asks for. */
    public int epochs() {
        return epochs;
    }

    public int stepsPerEpoch() {
        return stepsPerEpoch;
    }

    /** Epochs finished (so also the index, from 0, of the epoch in progress). */
    public int epoch() {
        return epoch;
    }

    /** Batches consumed since the start of the run, skipped ones included. */
    public long step() {
        return step;
    }

    /** Whether every epoch is done. */
    public boolean finished() {
        return epoch == epochs;
    }

    /**
     * The epoch in progress so far: batches consumed, skipped, sums of loss and correct answers, seconds,
     * files left out, seconds waiting for batches.
     */
    public EpochProgress epochProgress() {
        return new EpochProgress(epochSteps, epochSkipped, epochLossSum, epochCorrect, epochImages, epochSeconds(),
                epochSkippedFiles, epochDataWaitSeconds);
    }

    /** Brings the model state (weights, momentum, running statistics) from the backend into the model. */
    public void pullModelState() {
        stepper.pullModelState();
    }

    /** The metadata a checkpoint of this very moment carries. */
    public CheckpointMetadata checkpointMetadata() {
        EpochProgress partial = epochSteps == 0 ? EpochProgress.NONE : epochProgress();
        return runMetadata.at(epoch, step, partial);
    }

    /** A step on a batch whose rows left {@code filesLeftOut} files out (undecodable). */
    void trained(float loss, int correct, int images, int filesLeftOut) {
        epochSkippedFiles += filesLeftOut;
        epochLossSum += loss;
        epochCorrect += correct;
        epochImages += images;
        epochSteps++;
        step++;
    }

    /** A batch skipped for a loss that was not finite; its rows left {@code filesLeftOut} files out. */
    void skipped(int filesLeftOut) {
        epochSkippedFiles += filesLeftOut;
        epochSkipped++;
        epochSteps++;
        step++;
    }

    /** The trainer waited {@code nanos} for a batch (or for the end of the epoch) from the loader. */
    void waitedForData(long nanos) {
        epochDataWaitSeconds += nanos / 1e9;
    }

    /** Batches of the epoch that were trained on (not skipped). */
    int epochTrainedSteps() {
        return epochSteps - epochSkipped;
    }

    double epochSeconds() {
        return secondsBefore + (System.nanoTime() - startNanos) / 1e9;
    }

    void startEpochClock() {
        if (epochSteps == 0) {
            secondsBefore = 0;
            epochDataWaitSeconds = 0;
        }
        startNanos = System.nanoTime();
    }

    /** Closes the epoch in progress; the sums start again from zero. */
    void endEpoch() {
        epoch++;
        epochSteps = 0;
        epochSkipped = 0;
        epochLossSum = 0;
        epochCorrect = 0;
        epochImages = 0;
        epochSkippedFiles = 0;
        epochDataWaitSeconds = 0;
        secondsBefore = 0;
    }
}
