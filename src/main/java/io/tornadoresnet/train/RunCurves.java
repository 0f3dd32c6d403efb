package io.tornadoresnet.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's curves.png: loss and error per epoch, training dashed and test bold. Each panel's y-axis tops
 * at its highest first-epoch value (rounded up), where the curves start: a later epoch above it, such as
 * one test pass thrown off near the top of the learning rate, is drawn on the top edge instead of
 * squeezing the rest of the run into the bottom of the panel.
 */
public final class RunCurves {
    private RunCurves() {
    }

    /** Draws {@code model}'s epochs, as metrics.csv holds them, to {@code png}. */
    public static void write(Path png, String model, List<EpochRecord> rows) throws IOException {
        CurvePlot.write(png, panels(model, rows));
    }

    static List<CurvePlot.Panel> panels(String model, List<EpochRecord> rows) {
        double[] x = rows.stream().mapToDouble(EpochRecord::epoch).toArray();
        List<CurvePlot.Series> error = new ArrayList<>();
        error.add(new CurvePlot.Series(model + " train", x,
                rows.stream().mapToDouble(r -> 100 * r.trainError()).toArray(), true, 0));
        error.add(new CurvePlot.Series(model + " test", x,
                rows.stream().mapToDouble(r -> 100 * r.testError()).toArray(), false, 0));
        List<CurvePlot.Series> loss = new ArrayList<>();
        loss.add(new CurvePlot.Series("train", x, rows.stream().mapToDouble(EpochRecord::trainLoss).toArray(), true, 0));
        loss.add(new CurvePlot.Series("test", x, rows.stream().mapToDouble(EpochRecord::testLoss).toArray(), false, 0));
        return List.of(new CurvePlot.Panel(model + " loss", "loss", loss, firstEpochTop(loss)),
                new CurvePlot.Panel(model + " error", "error (%)", error, firstEpochTop(error)));
    }

    /** The highest of the series' first finite values, or NaN (fit every value) where there are none. */
    static double firstEpochTop(List<CurvePlot.Series> series) {
        double top = Double.NaN;
        for (CurvePlot.Series s : series) {
            for (double y : s.y()) {
                if (Double.isFinite(y)) {
                    top = Double.isNaN(top) ? y : Math.max(top, y);
                    break;
                }
            }
        }
        return top;
    }
}
