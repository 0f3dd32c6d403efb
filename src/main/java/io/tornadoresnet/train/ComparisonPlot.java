package io.tornadoresnet.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The paper's Figure 6 for several runs: training error dashed in one panel, test error bold in the
 * other, one colour per run. The y-axis stops at twice the worst final error, so that where the
 * curves end stays readable beside the high errors of the first epochs.
 */
public final class ComparisonPlot {
    private ComparisonPlot() {
    }

    /** Draws the runs whose {@code metrics.csv} files are given, labelled in the same order. */
    public static void write(Path png, List<String> labels, List<Path> metricsFiles) throws IOException {
        if (labels.size() != metricsFiles.size()) {
            throw new IllegalArgumentException(labels.size() + " labels for " + metricsFiles.size() + " runs");
        }
        List<CurvePlot.Series> train = new ArrayList<>();
        List<CurvePlot.Series> test = new ArrayList<>();
        double worstFinal = 0;
        for (int i = 0; i < labels.size(); i++) {
            List<EpochRecord> rows = new MetricsLog(metricsFiles.get(i)).read();
            if (rows.isEmpty()) {
                throw new IOException(metricsFiles.get(i) + " holds no finished epoch");
            }
            double[] x = rows.stream().mapToDouble(EpochRecord::epoch).toArray();
            train.add(new CurvePlot.Series(labels.get(i), x,
                    rows.stream().mapToDouble(r -> 100 * r.trainError()).toArray(), true, i));
            test.add(new CurvePlot.Series(labels.get(i), x,
                    rows.stream().mapToDouble(r -> 100 * r.testError()).toArray(), false, i));
            EpochRecord last = rows.get(rows.size() - 1);
            worstFinal = Math.max(worstFinal, 100 * Math.max(last.trainError(), last.testError()));
        }
        double cap = worstFinal > 0 ? 2 * worstFinal : Double.NaN;
        CurvePlot.write(png, List.of(new CurvePlot.Panel("training error (dashed)", "error (%)", train, cap),
                new CurvePlot.Panel("test error (bold)", "error (%)", test, cap)));
    }
}
