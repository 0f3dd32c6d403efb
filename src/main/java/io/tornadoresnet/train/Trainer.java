package io.tornadoresnet.train;

import io.tornadoresnet.data.Batch;
import io.tornadoresnet.data.BatchLoader;
import io.tornadoresnet.data.DataLoader;
import io.tornadoresnet.data.Dataset;
import io.tornadoresnet.data.Normalization;
import io.tornadoresnet.data.Splits;
import io.tornadoresnet.data.TimedLoader;
import io.tornadoresnet.io.AtomicFile;
import io.tornadoresnet.io.Checkpoint;
import io.tornadoresnet.io.CheckpointMetadata;
import io.tornadoresnet.io.CheckpointMetadata.EpochProgress;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.Sgd;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.Plan;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Trains a model by a recipe: epochs of SGD steps over shuffled, augmented batches, an
 * evaluation after each epoch. Listeners do the rest: the progress bar, metrics.csv, the curves
 * PNG and the checkpoints in the run's folder. A run resumed from any of its checkpoints (written
 * at epoch ends, every {@code checkpoint_every} steps, and on Ctrl-C) continues exactly where it
 * stopped: the batches of a step depend only on the seed, the epoch and the step's position in it.
 */
public final class Trainer {
    public static final String CHECKPOINT = "last.safetensors";
    public static final String METRICS = "metrics.csv";
    public static final String CURVES = "curves.png";
    public static final String RECIPE = "recipe.properties";

    private final Recipe recipe;
    private final ResNet model;
    private final Backend backend;
    private final Dataset train;
    private final Dataset test;
    private final Path out;
    private final PrintStream log;
    private final boolean redraw;
    private CheckpointListener.Writer checkpointWriter = Checkpoint::save;
    private Workers workers = Workers.SINGLE;
    private boolean stopAgreed;
    private boolean replicasIdentical = true;

    /**
     * What a finished run reports; {@code dataWaitSeconds} is the part of {@code trainSeconds} spent
     * waiting for batches, and {@code parallel} is null for a step that runs in one piece on one worker.
     */
    public record Result(double testAccuracy, double testLoss, double trainLoss, double trainSeconds,
                         double imagesPerSecond, double dataWaitSeconds, Path checkpoint, Path out, int epochs,
                         long steps, Parallel parallel) {
    }

    /**
     * How a step in parts went: workers, the global batch, the micro-batches of each worker, the
     * bytes each worker contributes to the averaging calls of a step, seconds computing (forward,
     * backward, update) and in averaging calls (including waits for slower workers), whether the
     * replicas' weights and momentum were identical at every check, and the averaging calls of a step
     * (one, plus two per batch norm and micro-batch with synchronised batch norm).
     */
    public record Parallel(int workers, int globalBatch, int microBatches, long allReduceBytesPerStep,
                           double computeSeconds, double allReduceSeconds, boolean replicasIdentical,
                           int allReduceCallsPerStep) {
    }

    /** Training stopped because the loss or the weights stopped being numbers. */
    public static final class DivergedException extends IllegalStateException {
        DivergedException(String message) {
            super(message);
        }
    }

    /** The run was stopped (Ctrl-C, SIGTERM) after writing a checkpoint of its last whole step. */
    public static final class StoppedException extends RuntimeException {
        private final int exitStatus;

        StoppedException(String message, int exitStatus) {
            super(message);
            this.exitStatus = exitStatus;
        }

        /** 128 + the signal's number, as a shell reports a process the signal ended. */
        public int exitStatus() {
            return exitStatus;
        }
    }

    /** @param redraw whether the progress bar redraws one line (a terminal) or prints lines (a file) */
    public Trainer(Recipe recipe, ResNet model, Backend backend, Dataset train, Dataset test, Path out,
                   PrintStream log, boolean redraw) {
        this.recipe = recipe;
        this.model = model;
        this.backend = backend;
        this.train = train;
        this.test = test;
        this.out = out;
        this.log = log;
        this.redraw = redraw;
        if (!train.imageShape().equals(model.imageShape())) {
            throw new IllegalArgumentException("model " + model.name() + " takes " + model.imageShape()
                    + " images, the training data has " + train.imageShape());
        }
        if (train.numClasses() != model.classes()) {
            throw new IllegalArgumentException("model has " + model.classes() + " classes, the data "
                    + train.numClasses());
        }
    }

    /** Replaces how checkpoints reach the disk (to test what a failed write does). */
    Trainer withCheckpointWriter(CheckpointListener.Writer writer) {
        this.checkpointWriter = writer;
        return this;
    }

    /**
     * Makes this trainer one of several data-parallel workers: it trains on its part of every global
     * batch and averages its gradients with theirs. Only rank 0 writes into the run's folder and logs.
     */
    public Trainer withWorkers(Workers workers) {
        this.workers = workers;
        return this;
    }

    /** Trains until the recipe's epoch count; see {@link #run(Path, StopSignal)}. */
    public Result run(Path resume) throws IOException {
        return run(resume, StopSignal.manual());
    }

    /**
     * Trains until the recipe's epoch count, or until {@code stop} is requested: then the step in
     * flight finishes, a checkpoint of it is written and {@link StoppedException} is thrown.
     *
     * @param resume a checkpoint of this run to continue from, or null to start afresh
     * @throws DivergedException when the loss stops being finite (unless skip_nonfinite)
     */
    public Result run(Path resume, StopSignal stop) throws IOException {
        Run run = prepare(resume);
        try (Backend.Executable stepper = backend.compile(run.trainPlan());
             Backend.Executable evaluator = backend.compile(model.compileInference(
                     Math.min(recipe.evalBatch(), Math.max(1, test.size()))));
             DataLoader batches = train.loader(recipe.batch(), workers.rank(), workers.size(),
                     BatchLoader.Options.training(run.start().seed(), run.normalization(), recipe.augmentation()))) {
            stepper.pushModelState();
            // a plan that holds no device memory keeps its state in the float[]s: reading it costs nothing
            boolean stateOnHost = stepper.deviceMemoryBytes() < 0;
            GradientExchange exchange = run.trainPlan().exchangesGradients() ? new GradientExchange(stepper, workers,
                    microBatches(), recipe.ghostBatch() > 1, stateOnHost, run.synchronizedBatchNorm()) : null;
            TrainingState state = new TrainingState(model, stepper, run.start(), recipe.epochs(),
                    run.stepsPerEpoch(), resume != null);
            DataLoader loader = new TimedLoader(batches, System::nanoTime, state::waitedForData);
            CheckpointListener checkpoints = new CheckpointListener(out.resolve(CHECKPOINT),
                    recipe.checkpointEvery(), log, checkpointWriter, resume);
            TrainingListener listeners = workers.rank() == 0 ? listeners(state, checkpoints)
                    : TrainingListener.all(List.of());
            StateSnapshot beforeStep = recipe.skipNonfinite() ? new StateSnapshot(stepper) : null;
            listeners.runStarted(state);
            EpochRecord last = null;
            double seconds = 0;
            double dataWaitSeconds = 0;
            long images = 0;
            int loaderEpoch = -1;
            while (!state.finished()) {
                if (loaderEpoch != state.epoch()) {
                    loader.startEpoch(state.epoch(), state.epochProgress().steps());
                }
                state.startEpochClock();
                listeners.epochStarted(state);
                for (Batch b; !stopping(stop) && (b = loader.next()) != null; ) {
                    if (exchange == null) {
                        step(b, run, stepper, state, beforeStep, checkpoints);
                    } else {
                        stepInParts(b, run, exchange, stop, state, beforeStep, checkpoints);
                        boolean checkpointNext = CheckpointListener.savesAfterStep(state, recipe.checkpointEvery());
                        if (checkpointNext) {
                            beforeStateIsRead(exchange);
                        } else if (stateOnHost) {
                            compareReplicas(exchange);
                        }
                    }
                    listeners.stepEnded(state);
                }
                if (stopping(stop)) {
                    if (exchange != null) {
                        beforeStateIsRead(exchange);
                    }
                    listeners.stopped(state);
                    throw new StoppedException(String.format(Locale.ROOT, "stopped at step %d (epoch %d); continue"
                            + " with --resume %s", state.step(), state.epoch() + 1, checkpoints.file()),
                            stop.exitStatus());
                }
                if (exchange != null) {
                    beforeStateIsRead(exchange);
                }
                last = endEpoch(state, run, stepper, evaluator, checkpoints, loader);
                loaderEpoch = state.epoch();
                seconds += last.seconds();
                dataWaitSeconds += last.dataWaitSeconds();
                images += Math.round(last.imagesPerSecond() * last.seconds());
                listeners.epochEnded(state, last);
            }
            Parallel parallel = exchange == null ? null : new Parallel(workers.size(), recipe.batch(), microBatches(),
                    exchange.bytesPerStep(), exchange.computeSeconds(), exchange.reduceSeconds(), replicasIdentical,
                    exchange.callsPerStep());
            return new Result(1 - last.testError(), last.testLoss(), last.trainLoss(), seconds,
                    images / Math.max(seconds, 1e-9), dataWaitSeconds, checkpoints.file(), out, state.epochs(),
                    state.step(), parallel);
        }
    }

    /** Micro-batches of each worker's part of a step. */
    private int microBatches() {
        return Math.max(recipe.accumulate(), recipe.ghostBatch());
    }

    /** Whether the run stops now: at the request itself alone, or, among workers, once they all know of it. */
    private boolean stopping(StopSignal stop) {
        return workers.size() == 1 ? stop.requested() : stopAgreed;
    }

    /**
     * Before a checkpoint or an evaluation reads the model state: the workers' running statistics
     * become their mean (where they are not averaged at every step), and the replicas are compared.
     */
    private void beforeStateIsRead(GradientExchange exchange) throws IOException {
        exchange.averageRunningStatistics();
        compareReplicas(exchange);
    }

    /** Compares the replicas' weights and momentum; a difference is reported once and in the result. */
    private void compareReplicas(GradientExchange exchange) throws IOException {
        if (!exchange.replicasIdentical()) {
            if (replicasIdentical) {
                log.println("warning: the replicas' weights differ (worker " + workers.rank() + ")");
            }
            replicasIdentical = false;
        }
    }

    /** What a run needs before its first step. */
    private record Run(CheckpointMetadata start, int stepsPerEpoch, LearningRateSchedule schedule,
                       Normalization normalization, Plan trainPlan, ReplicaStatistics synchronizedBatchNorm,
                       Dataset testShard) {
    }

    /** The test images this worker evaluates: every N-th from its rank on (all of them for one worker). */
    private Dataset testShard() {
        int n = workers.size();
        if (n == 1) {
            return test;
        }
        int[] indices = new int[Math.max(0, (test.size() - workers.rank() + n - 1) / n)];
        for (int i = 0; i < indices.length; i++) {
            indices[i] = workers.rank() + n * i;
        }
        return indices.length == 0 ? null : Splits.subset(test, indices);
    }

    /**
     * Checks the recipe against the data, initialises the model or loads the checkpoint to resume
     * from, clears what a killed process left half-written, and writes the recipe into the run's folder.
     */
    private Run prepare(Path resume) throws IOException {
        int batch = recipe.batch();
        int epochs = recipe.epochs();
        int stepsPerEpoch = train.size() / batch;
        if (stepsPerEpoch == 0) {
            throw new IllegalArgumentException("batch " + batch + " is larger than the training set (" + train.size()
                    + " images)");
        }
        LearningRateSchedule schedule = recipe.schedule(stepsPerEpoch, (long) epochs * stepsPerEpoch);
        Sgd sgd = recipe.sgd();
        Normalization normalization = Normalization.compute(recipe.normalization(), train);
        long seed = recipe.seed();
        CheckpointMetadata start = new CheckpointMetadata(model.name(), model.imageShape(), model.classes(),
                model.shortcut(), 0, 0, EpochProgress.NONE, seed, String.format(Locale.ROOT,
                "sgd(momentum=%s, weight_decay=%s, nesterov=%s)", sgd.momentum(), sgd.weightDecay(), sgd.nesterov()),
                recipe.dataset(), train.classNames(), recipe.text(), SavedNormalization.of(normalization));
        if (resume == null) {
            model.initialize(seed);
        } else {
            Checkpoint.Loaded checkpoint = Checkpoint.read(resume);
            CheckpointMetadata saved = checkpoint.metadata();
            if (!model.name().equals(saved.model())) {
                throw new IllegalArgumentException("checkpoint " + resume + " holds " + saved.model() + ", not "
                        + model.name());
            }
            if (saved.partial().steps() > stepsPerEpoch
                    || saved.step() != (long) saved.epoch() * stepsPerEpoch + saved.partial().steps()) {
                throw new IllegalArgumentException("checkpoint " + resume + " stopped at step " + saved.step()
                        + " of epoch " + (saved.epoch() + 1) + ", which does not fit " + stepsPerEpoch + " steps per"
                        + " epoch: resume with the batch size and data it was trained with");
            }
            if (saved.epoch() >= epochs) {
                throw new IllegalStateException("nothing to train: " + resume + " already reached epoch " + epochs);
            }
            Checkpoint.restore(model, checkpoint.contents());
            start = start.at(saved.epoch(), saved.step(), saved.partial());
        }
        int parts = workers.size() * microBatches();
        if (batch % parts != 0) {
            throw new IllegalArgumentException("batch " + batch + " does not split into " + workers.size()
                    + " workers x " + microBatches() + " micro-batches: make it a multiple of " + parts);
        }
        ReplicaStatistics synchronizedBatchNorm = recipe.syncBn() && workers.size() > 1
                ? new ReplicaStatistics(workers) : null;
        Plan trainPlan = synchronizedBatchNorm == null ? model.compileTraining(batch / parts, sgd)
                : model.compileTraining(batch / parts, sgd, synchronizedBatchNorm);
        if (parts > 1) {
            trainPlan = trainPlan.exchangingGradients();
        }
        if (workers.rank() == 0) {
            Files.createDirectories(out);
            for (String file : List.of(CHECKPOINT, METRICS, CURVES, RECIPE)) {
                AtomicFile.deleteLeftovers(out.resolve(file));
            }
            AtomicFile.writeString(out.resolve(RECIPE), recipe.text());
        }
        return new Run(start, stepsPerEpoch, schedule, normalization, trainPlan, synchronizedBatchNorm, testShard());
    }

    private TrainingListener listeners(TrainingState state, CheckpointListener checkpoints) {
        MetricsLog metrics = new MetricsLog(out.resolve(METRICS));
        String description = String.format(Locale.ROOT, "training %s (%,d parameters) on %s, %d epochs of %d steps, "
                + "backend %s (%s)%s", model.name(), model.parameterCount(), train, state.epochs(),
                state.stepsPerEpoch(), backend.name(), backend.device(), workers.size() == 1 ? ""
                        : String.format(Locale.ROOT, " x %d workers", workers.size()));
        return TrainingListener.all(List.of(new ProgressListener(log, redraw, description), metrics, checkpoints,
                new CurvesListener(metrics, out.resolve(CURVES), log)));
    }

    /**
     * One SGD step on a batch. A loss that is not finite stops the run, or with skip_nonfinite
     * puts back the model state from before the step (the step has already updated it).
     */
    private static void step(Batch b, Run run, Backend.Executable stepper, TrainingState state,
                             StateSnapshot beforeStep, CheckpointListener checkpoints) {
        Plan plan = run.trainPlan();
        System.arraycopy(b.images(), 0, plan.input().data(), 0, b.images().length);
        System.arraycopy(b.labels(), 0, plan.labels(), 0, plan.batch());
        double lr = run.schedule().rate(state.step());
        plan.learningRate().data()[0] = (float) lr;
        if (beforeStep != null) {
            beforeStep.take();
        }
        stepper.run();
        float loss = plan.loss();
        if (Float.isFinite(loss)) {
            state.trained(loss, plan.correct(), plan.batch(), b.skipped());
        } else if (beforeStep != null) {
            beforeStep.restore();
            state.skipped(b.skipped());
        } else {
            throw diverged(loss, state, lr, checkpoints);
        }
    }

    /** The test loss and accuracy; data-parallel workers each evaluate their share and add up. */
    private Evaluator.Evaluation evaluate(Backend.Executable evaluator, Run run) throws IOException {
        if (workers.size() == 1) {
            return Evaluator.evaluate(evaluator, test, run.normalization());
        }
        float[] sums = new float[3];
        if (run.testShard() != null) {
            Evaluator.Evaluation mine = Evaluator.evaluate(evaluator, run.testShard(), run.normalization());
            sums[0] = (float) (mine.loss() * mine.images());
            sums[1] = Math.round(mine.accuracy() * mine.images());
            sums[2] = mine.images();
        }
        workers.averageInPlace(sums, 0, sums.length);
        int n = workers.size();
        int images = Math.round(sums[2] * n);
        return new Evaluator.Evaluation((double) sums[0] * n / Math.max(1, images),
                Math.round(sums[1] * n) / (double) Math.max(1, images), images);
    }

    /**
     * One SGD step whose gradients are averaged over micro-batches and workers before the update.
     * Every worker sees the same averaged loss, so all skip, stop or fail together.
     */
    private void stepInParts(Batch b, Run run, GradientExchange exchange, StopSignal stop, TrainingState state,
                             StateSnapshot beforeStep, CheckpointListener checkpoints) throws IOException {
        Plan plan = run.trainPlan();
        double lr = run.schedule().rate(state.step());
        plan.learningRate().data()[0] = (float) lr;
        if (beforeStep != null) {
            beforeStep.take();
        }
        GradientExchange.Outcome outcome = exchange.compute(b, stop.requested());
        stopAgreed = outcome.stop();
        float loss = outcome.loss();
        if (Float.isFinite(loss)) {
            exchange.apply();
            state.trained(loss, outcome.correct(), recipe.batch(), outcome.filesLeftOut());
        } else if (beforeStep != null) {
            beforeStep.restore();
            state.skipped(outcome.filesLeftOut());
        } else {
            throw diverged(loss, state, lr, checkpoints);
        }
    }

    private static DivergedException diverged(float loss, TrainingState state, double lr,
                                              CheckpointListener checkpoints) {
        return new DivergedException(String.format(Locale.ROOT, "loss became %s at step %d (epoch %d, learning "
                + "rate %g): lower the learning rate, add warm-up or pass --skip-nonfinite; the last good "
                + "checkpoint is %s", loss, state.step() + 1, state.epoch() + 1, lr, checkpoints.lastGood()));
    }

    /**
     * Evaluates the model after an epoch and closes the epoch in the state. The loader starts on the
     * next epoch first, once the epoch's clock has stopped: its threads prepare the first batches
     * while the model is tested and the checkpoint written, instead of the next epoch waiting for them.
     */
    private EpochRecord endEpoch(TrainingState state, Run run, Backend.Executable stepper,
                                 Backend.Executable evaluator, CheckpointListener checkpoints, DataLoader loader)
            throws IOException {
        EpochProgress p = state.epochProgress();
        int trained = p.steps() - p.skipped();
        if (trained == 0) {
            throw new DivergedException("every batch of epoch " + (state.epoch() + 1) + " had a non-finite loss: "
                    + "lower the learning rate or check the data; the last good checkpoint is " + checkpoints.lastGood());
        }
        if (state.epoch() + 1 < state.epochs()) {
            loader.startEpoch(state.epoch() + 1, 0);
        }
        stepper.pullModelState();
        evaluator.pushModelState();
        Evaluator.Evaluation evaluation = evaluate(evaluator, run);
        EpochRecord record = new EpochRecord(state.epoch() + 1, state.step(), run.schedule().rate(state.step() - 1),
                p.lossSum() / trained, 1 - (double) p.correct() / p.images(), evaluation.loss(), evaluation.error(),
                p.images() / p.seconds(), p.seconds(), p.skipped(), p.skippedFiles(), p.dataWaitSeconds());
        state.endEpoch();
        return record;
    }
}
