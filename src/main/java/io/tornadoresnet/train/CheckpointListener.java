package io.tornadoresnet.train;

import io.tornadoresnet.io.Checkpoint;
import io.tornadoresnet.io.CheckpointMetadata;
import io.tornadoresnet.nn.Parameter;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.tensor.Tensor;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Writes the run's checkpoint (atomically, so a crash leaves the previous one whole): every
 * {@code every} steps when that is above zero, at the end of each epoch, and when the run is
 * stopped. Weights that are no longer finite are never written over a good checkpoint.
 *
 * <p>A failed write of an intermediate checkpoint (disk full, permissions) keeps the previous one,
 * says so in one line and lets training go on: the next checkpoint may succeed, and stopping
 * would lose more. The checkpoint that ends the run, or that a Ctrl-C asked for, must be written:
 * its failure stops the run with an error.
 */
final class CheckpointListener implements TrainingListener {

    /** How a checkpoint reaches the disk: {@link Checkpoint#save} (tests put a failing one in its place). */
    @FunctionalInterface
    interface Writer {
        void write(Path file, ResNet model, CheckpointMetadata metadata) throws IOException;
    }

    private final Path file;
    private final int every;
    private final PrintStream log;
    private final Writer writer;
    private String lastGood;

    /** @param resumedFrom the checkpoint the run continues from, or null */
    CheckpointListener(Path file, int every, PrintStream log, Writer writer, Path resumedFrom) {
        this.file = file;
        this.every = every;
        this.log = log;
        this.writer = writer;
        this.lastGood = resumedFrom == null ? null : resumedFrom.toString();
    }

    Path file() {
        return file;
    }

    /** The last checkpoint known to hold good weights, in words, for messages. */
    String lastGood() {
        return lastGood == null ? "none was written yet" : lastGood;
    }

    @Override
    public void runStarted(TrainingState state) throws IOException {
        if (state.resumed()) {
            lastGood += " (" + state.checkpointMetadata().position() + ")";
        }
    }

    @Override
    public void stepEnded(TrainingState state) throws IOException {
        if (savesAfterStep(state, every)) {
            save(state, false);
        }
    }

    /** Whether a checkpoint is written after the step just ended (not at an epoch's end, which has its own). */
    static boolean savesAfterStep(TrainingState state, int every) {
        boolean epochEnds = state.epochProgress().steps() == state.stepsPerEpoch();
        return every > 0 && state.step() % every == 0 && !epochEnds;
    }

    @Override
    public void epochEnded(TrainingState state, EpochRecord record) throws IOException {
        save(state, state.finished());
    }

    @Override
    public void stopped(TrainingState state) throws IOException {
        save(state, true);
    }

    private void save(TrainingState state, boolean required) throws IOException {
        state.pullModelState();
        CheckpointMetadata metadata = state.checkpointMetadata();
        String where = metadata.position();
        if (!finite(state.model())) {
            throw new Trainer.DivergedException("the weights stopped being finite by " + where + ": lower the "
                    + "learning rate or add warm-up; the last good checkpoint is " + lastGood());
        }
        try {
            writer.write(file, state.model(), metadata);
            lastGood = file + " (" + where + ")";
        } catch (IOException e) {
            String kept = lastGood == null ? "no earlier checkpoint exists" : "the last good one is " + lastGood;
            String message = "could not write checkpoint " + file + " at " + where + " (" + e.getMessage() + "); "
                    + kept;
            if (required) {
                throw new IOException(message, e);
            }
            log.println("warning: " + message + "; training goes on");
        }
    }

    private static boolean finite(ResNet model) {
        for (Tensor t : model.stateDict().values()) {
            if (!finite(t.data())) {
                return false;
            }
        }
        for (Parameter p : model.parameters()) {
            if (!finite(p.velocity().data())) {
                return false;
            }
        }
        return true;
    }

    private static boolean finite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }
}
