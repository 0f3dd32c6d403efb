package io.tornadoresnet.train;

import io.tornadoresnet.io.CheckpointMetadata.EpochProgress;

import java.io.PrintStream;
import java.util.Locale;

/** The run on the console: what it trains, a progress bar per epoch, and one summary line per epoch. */
final class ProgressListener implements TrainingListener {
    private final PrintStream log;
    private final boolean redraw;
    private final String description;
    private ProgressBar bar;
    private long imagesBefore;

    /** @param description what is trained, on what, on which backend (the first line of the run) */
    ProgressListener(PrintStream log, boolean redraw, String description) {
        this.log = log;
        this.redraw = redraw;
        this.description = description;
    }

    @Override
    public void runStarted(TrainingState state) {
        if (state.resumed()) {
            log.println("resuming " + state.model().name() + " at " + state.checkpointMetadata().position());
        }
        log.println(description);
    }

    @Override
    public void epochStarted(TrainingState state) {
        EpochProgress p = state.epochProgress();
        bar = new ProgressBar(log, redraw, String.format("epoch %d/%d", state.epoch() + 1, state.epochs()),
                state.stepsPerEpoch(), p.steps());
        imagesBefore = p.images();
    }

    @Override
    public void stepEnded(TrainingState state) {
        EpochProgress p = state.epochProgress();
        int trained = p.steps() - p.skipped();
        bar.update(p.steps(), p.images() - imagesBefore, trained == 0 ? Double.NaN : p.lossSum() / trained,
                p.images() == 0 ? 0 : (double) p.correct() / p.images());
    }

    @Override
    public void epochEnded(TrainingState state, EpochRecord r) {
        log.printf(Locale.ROOT, "epoch %d/%d: train loss %.4f error %.2f%%, test loss %.4f error %.2f%%, %.0f img/s, "
                        + "%.0f s (%.1f s waiting for data)%s%n", r.epoch(), state.epochs(), r.trainLoss(),
                100 * r.trainError(), r.testLoss(), 100 * r.testError(), r.imagesPerSecond(), r.seconds(),
                r.dataWaitSeconds(),
                r.skipped() == 0 ? "" : ", " + r.skipped() + " batches skipped (loss not finite)");
    }
}
