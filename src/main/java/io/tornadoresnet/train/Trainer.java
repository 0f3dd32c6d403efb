package io.tornadoresnet.train;

import io.tornadoresnet.data.Augmentation;
import io.tornadoresnet.data.Batch;
import io.tornadoresnet.data.BatchLoader;
import io.tornadoresnet.data.Dataset;
import io.tornadoresnet.data.Normalization;
import io.tornadoresnet.io.Checkpoint;
import io.tornadoresnet.io.SafeTensors;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.Sgd;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.Plan;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Trains a model by a recipe: epochs of SGD steps over shuffled, augmented batches, an
 * evaluation after each epoch, metrics.csv, the curves PNG and a checkpoint in the run's folder.
 * A run resumed from its checkpoint continues exactly where it stopped.
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
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
    private final boolean interactive;

    /** What a finished run reports. */
    public record Result(double testAccuracy, double testLoss, double trainLoss, double trainSeconds,
                         double imagesPerSecond, Path checkpoint, Path out, int epochs, long steps) {
    }

    /** Training stopped because the loss stopped being a number. */
    public static final class DivergedException extends IllegalStateException {
        DivergedException(String message) {
            super(message);
        }
    }

    public Trainer(Recipe recipe, ResNet model, Backend backend, Dataset train, Dataset test, Path out,
                   PrintStream log, boolean interactive) {
        this.recipe = recipe;
        this.model = model;
        this.backend = backend;
        this.train = train;
        this.test = test;
        this.out = out;
        this.log = log;
        this.interactive = interactive;
        if (!train.imageShape().equals(model.imageShape())) {
            throw new IllegalArgumentException("model " + model.name() + " takes " + model.imageShape()
                    + " images, the training data has " + train.imageShape());
        }
        if (train.numClasses() != model.classes()) {
            throw new IllegalArgumentException("model has " + model.classes() + " classes, the data "
                    + train.numClasses());
        }
    }

    /**
     * Trains until the recipe's epoch count.
     *
     * @param resume a checkpoint of this run to continue from, or null to start afresh
     */
    public Result run(Path resume) throws IOException {
        Files.createDirectories(out);
        int batch = recipe.batch();
        int epochs = recipe.epochs();
        long seed = recipe.seed();
        int stepsPerEpoch = train.size() / batch;
        if (stepsPerEpoch == 0) {
            throw new IllegalArgumentException("batch " + batch + " is larger than the training set (" + train.size()
                    + " images)");
        }
        long totalSteps = (long) epochs * stepsPerEpoch;
        LearningRateSchedule schedule = recipe.schedule(stepsPerEpoch, totalSteps);
        Sgd sgd = recipe.sgd();
        Normalization normalization = Normalization.compute(recipe.normalization(), train);
        Augmentation augmentation = recipe.augmentation();
        MetricsLog metrics = new MetricsLog(out.resolve(METRICS));

        int firstEpoch = 0;
        long step = 0;
        if (resume != null) {
            SafeTensors.Contents contents = SafeTensors.read(resume);
            Map<String, String> meta = contents.metadata();
            if (!model.name().equals(meta.get("model"))) {
                throw new IllegalArgumentException("checkpoint " + resume + " holds " + meta.get("model")
                        + ", not " + model.name());
            }
            Checkpoint.restore(model, contents);
            firstEpoch = Integer.parseInt(meta.getOrDefault("epoch", "0"));
            step = Long.parseLong(meta.getOrDefault("step", "0"));
            metrics.truncateAfter(firstEpoch);
            log.printf("resuming %s from %s: epoch %d, step %d%n", model.name(), resume, firstEpoch, step);
        } else {
            model.initialize(seed);
            Files.deleteIfExists(metrics.file());
        }
        Files.writeString(out.resolve(RECIPE), recipe.text(), StandardCharsets.UTF_8);

        Plan trainPlan = model.compileTraining(batch, sgd);
        Plan evalPlan = model.compileInference(Math.min(recipe.evalBatch(), Math.max(1, test.size())));
        Path checkpoint = out.resolve(CHECKPOINT);
        double trainLoss = Double.NaN;
        double trainSeconds = 0;
        long trainedImages = 0;
        Evaluator.Evaluation evaluation = null;
        try (Backend.Executable stepper = backend.compile(trainPlan);
             Backend.Executable evaluator = backend.compile(evalPlan);
             BatchLoader loader = new BatchLoader(train, batch, BatchLoader.Options.training(seed, normalization,
                     augmentation))) {
            stepper.pushModelState();
            log.printf("training %s (%,d parameters) on %s, %d epochs of %d steps, backend %s (%s)%n", model.name(),
                    model.parameterCount(), train, epochs, stepsPerEpoch, backend.name(), backend.device());
            for (int epoch = firstEpoch; epoch < epochs; epoch++) {
                loader.startEpoch(epoch);
                ProgressBar bar = new ProgressBar(log, interactive, String.format("epoch %d/%d", epoch + 1, epochs),
                        stepsPerEpoch);
                double lossSum = 0;
                long correct = 0;
                int seen = 0;
                int steps = 0;
                double lr = 0;
                long start = System.nanoTime();
                for (Batch b; (b = loader.next()) != null; ) {
                    System.arraycopy(b.images(), 0, trainPlan.input().data(), 0, b.images().length);
                    System.arraycopy(b.labels(), 0, trainPlan.labels(), 0, batch);
                    lr = schedule.rate(step);
                    trainPlan.learningRate().data()[0] = (float) lr;
                    stepper.run();
                    float loss = trainPlan.loss();
                    if (!Float.isFinite(loss)) {
                        throw new DivergedException(String.format(Locale.ROOT, "loss became %s at step %d (epoch %d, "
                                + "learning rate %g): lower the learning rate or add warm-up; the last good "
                                + "checkpoint is %s", loss, step, epoch + 1, lr, checkpoint));
                    }
                    lossSum += loss;
                    correct += trainPlan.correct();
                    seen += batch;
                    steps++;
                    step++;
                    bar.update(steps, seen, lossSum / steps, (double) correct / seen);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                trainSeconds += seconds;
                trainedImages += seen;
                trainLoss = lossSum / steps;
                stepper.pullModelState();
                evaluator.pushModelState();
                evaluation = Evaluator.evaluate(evaluator, test, normalization);
                metrics.append(new EpochRecord(epoch + 1, step, lr, trainLoss, 1 - (double) correct / seen,
                        evaluation.loss(), evaluation.error(), seen / seconds, seconds));
                log.printf(Locale.ROOT, "epoch %d/%d: train loss %.4f error %.2f%%, test loss %.4f error %.2f%% "
                                + "(%d images), %.0f img/s, %.0f s%n", epoch + 1, epochs, trainLoss,
                        100 * (1 - (double) correct / seen), evaluation.loss(), 100 * evaluation.error(),
                        evaluation.images(), seen / seconds, seconds);
                Checkpoint.save(checkpoint, model, step, metadata(epoch + 1, step, normalization));
                LOG.debug("epoch {}: checkpoint {} written at step {}", epoch + 1, checkpoint, step);
                plot(metrics.read());
            }
        }
        if (evaluation == null) {
            throw new IllegalStateException("nothing to train: the run already reached epoch " + epochs);
        }
        return new Result(evaluation.accuracy(), evaluation.loss(), trainLoss, trainSeconds,
                trainedImages / Math.max(trainSeconds, 1e-9), checkpoint, out, epochs, step);
    }

    private Map<String, String> metadata(int epoch, long step, Normalization normalization) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("epoch", Integer.toString(epoch));
        m.put("step", Long.toString(step));
        m.put("seed", Long.toString(recipe.seed()));
        m.put("dataset", recipe.dataset());
        m.put("class_names", String.join("\n", train.classNames()));
        m.put("recipe", recipe.text());
        m.putAll(NormalizationText.write(normalization));
        return m;
    }

    private void plot(List<EpochRecord> rows) throws IOException {
        double[] x = rows.stream().mapToDouble(EpochRecord::epoch).toArray();
        List<CurvePlot.Series> error = new ArrayList<>();
        error.add(new CurvePlot.Series(model.name() + " train", x,
                rows.stream().mapToDouble(r -> 100 * r.trainError()).toArray(), true, 0));
        error.add(new CurvePlot.Series(model.name() + " test", x,
                rows.stream().mapToDouble(r -> 100 * r.testError()).toArray(), false, 0));
        List<CurvePlot.Series> loss = new ArrayList<>();
        loss.add(new CurvePlot.Series("train", x, rows.stream().mapToDouble(EpochRecord::trainLoss).toArray(), true, 0));
        loss.add(new CurvePlot.Series("test", x, rows.stream().mapToDouble(EpochRecord::testLoss).toArray(), false, 0));
        CurvePlot.write(out.resolve(CURVES), List.of(new CurvePlot.Panel(model.name() + " loss", "loss", loss),
                new CurvePlot.Panel(model.name() + " error", "error (%)", error)));
    }
}
