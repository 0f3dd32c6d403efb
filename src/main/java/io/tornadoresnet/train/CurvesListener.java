package io.tornadoresnet.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Redraws curves.png (loss and error per epoch, train and test) from metrics.csv after each
 * epoch. A picture that cannot be written is not worth stopping a run for: it says so and goes on.
 */
final class CurvesListener implements TrainingListener {
    private final MetricsLog metrics;
    private final Path png;
    private final PrintStream log;

    CurvesListener(MetricsLog metrics, Path png, PrintStream log) {
        this.metrics = metrics;
        this.png = png;
        this.log = log;
    }

    @Override
    public void epochEnded(TrainingState state, EpochRecord record) throws IOException {
        List<EpochRecord> rows = metrics.read();
        String model = state.model().name();
        double[] x = rows.stream().mapToDouble(EpochRecord::epoch).toArray();
        List<CurvePlot.Series> error = new ArrayList<>();
        error.add(new CurvePlot.Series(model + " train", x,
                rows.stream().mapToDouble(r -> 100 * r.trainError()).toArray(), true, 0));
        error.add(new CurvePlot.Series(model + " test", x,
                rows.stream().mapToDouble(r -> 100 * r.testError()).toArray(), false, 0));
        List<CurvePlot.Series> loss = new ArrayList<>();
        loss.add(new CurvePlot.Series("train", x, rows.stream().mapToDouble(EpochRecord::trainLoss).toArray(), true, 0));
        loss.add(new CurvePlot.Series("test", x, rows.stream().mapToDouble(EpochRecord::testLoss).toArray(), false, 0));
        try {
            CurvePlot.write(png, List.of(new CurvePlot.Panel(model + " loss", "loss", loss),
                    new CurvePlot.Panel(model + " error", "error (%)", error)));
        } catch (IOException e) {
            log.println("warning: could not write " + png + " (" + e.getMessage() + "); training goes on");
        }
    }
}
