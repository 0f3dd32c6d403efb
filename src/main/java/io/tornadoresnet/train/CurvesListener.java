package io.tornadoresnet.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * Redraws curves.png ({@link RunCurves}) from metrics.csv after each epoch. A picture that cannot be
 * written or drawn is not worth stopping a run for: it says so and goes on. Drawing fails, for
 * instance, on a node without fonts, where Java's text rendering throws from its font configuration
 * (metrics.csv still has every number, and {@code resnet plot --curves} draws them later).
 */
final class CurvesListener implements TrainingListener {
    /** How the panels become a PNG: {@link CurvePlot#write}, or a stand-in in tests. */
    @FunctionalInterface
    interface Painter {
        void write(Path png, List<CurvePlot.Panel> panels) throws IOException;
    }

    private final MetricsLog metrics;
    private final Path png;
    private final PrintStream log;
    private final Painter painter;

    CurvesListener(MetricsLog metrics, Path png, PrintStream log) {
        this(metrics, png, log, CurvePlot::write);
    }

    CurvesListener(MetricsLog metrics, Path png, PrintStream log, Painter painter) {
        this.metrics = metrics;
        this.png = png;
        this.log = log;
        this.painter = painter;
    }

    @Override
    public void epochEnded(TrainingState state, EpochRecord record) throws IOException {
        List<CurvePlot.Panel> panels = RunCurves.panels(state.model().name(), metrics.read());
        try {
            painter.write(png, panels);
        } catch (IOException e) {
            log.println("warning: could not write " + png + " (" + e.getMessage() + "); training goes on");
        } catch (RuntimeException | Error e) {
            if (e instanceof VirtualMachineError && !(e instanceof InternalError)) {
                throw e;
            }
            log.println("warning: could not draw " + png + " (" + e + "); metrics.csv has the numbers;"
                    + " training goes on");
        }
    }
}
