package io.tornadoresnet.cli;

import io.tornadoresnet.train.ComparisonPlot;
import io.tornadoresnet.train.EpochRecord;
import io.tornadoresnet.train.MetricsLog;
import io.tornadoresnet.train.Recipe;
import io.tornadoresnet.train.RunCurves;
import io.tornadoresnet.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Draws the error curves of finished or running runs side by side, from their metrics.csv files; with
 * {@code --curves}, redraws each run's own curves.png instead.
 */
@Command(name = "plot", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        usageHelpWidth = 100, description = "Draw the training and test error of several runs in one figure "
        + "(the paper's Figure 6 style), from their metrics.csv; or, with --curves, redraw each run's own "
        + "curves.png.")
final class PlotCommand implements Callable<Integer> {
    @ParentCommand
    private Main main;
    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "RUN_DIR", arity = "1..*", description = "Run folders, each with a " + Trainer.METRICS + ".")
    private List<Path> dirs;

    @Option(names = "--labels", paramLabel = "NAME", split = ",",
            description = "One legend label per run, comma-separated (default: the folders' names).")
    private List<String> labels;

    @Option(names = "--out", paramLabel = "FILE.png", defaultValue = "comparison.png",
            description = "The figure (default: ${DEFAULT-VALUE}).")
    private Path png;

    @Option(names = "--curves", description = "Redraw each run's own " + Trainer.CURVES + " (loss and error per "
            + "epoch) in its folder, from its " + Trainer.METRICS + ", instead of one comparison figure: for runs "
            + "on nodes that could not draw, or drawn by an older version.")
    private boolean curves;

    @Mixin
    private JsonOption json;

    @Override
    public Integer call() throws IOException {
        if (curves && (labels != null || spec.commandLine().getParseResult().hasMatchedOption("--out"))) {
            throw Usage.error(spec, "--curves draws into each run's folder: --labels and --out do not apply");
        }
        if (labels != null && labels.size() != dirs.size()) {
            throw Usage.error(spec, "--labels names " + labels.size() + " runs, but " + dirs.size()
                    + " run folders were given");
        }
        if (!curves) {
            OutputFolder.checkWritable("--out", png.toAbsolutePath().getParent());
        }
        List<Path> metrics = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Path dir : dirs) {
            Path file = dir.resolve(Trainer.METRICS);
            if (!Files.isRegularFile(file)) {
                throw new IOException(dir + " holds no " + Trainer.METRICS + ": is it a run's folder?");
            }
            metrics.add(file);
            names.add(dir.toAbsolutePath().normalize().getFileName().toString());
        }
        if (curves) {
            return redrawCurves(metrics);
        }
        if (labels != null) {
            names = labels.stream().map(String::trim).toList();
        }
        ComparisonPlot.write(png, names, metrics);
        main.out.println("plot: " + png);
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("plot", png.toString());
        o.put("runs", names);
        json.print(main.out, o);
        return 0;
    }

    private int redrawCurves(List<Path> metrics) throws IOException {
        List<String> written = new ArrayList<>();
        for (Path file : metrics) {
            Path dir = file.getParent();
            OutputFolder.checkWritable("RUN_DIR", dir);
            List<EpochRecord> rows = new MetricsLog(file).read();
            if (rows.isEmpty()) {
                throw new IOException(file + " holds no finished epoch");
            }
            Path curvesPng = dir.resolve(Trainer.CURVES);
            RunCurves.write(curvesPng, modelName(dir), rows);
            main.out.println("plot: " + curvesPng);
            written.add(curvesPng.toString());
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("plots", written);
        json.print(main.out, o);
        return 0;
    }

    /** The model the run's recipe names, as training titles its curves; the folder's name without one. */
    private static String modelName(Path dir) throws IOException {
        Path recipe = dir.resolve(Trainer.RECIPE);
        return Files.isRegularFile(recipe) ? Recipe.load(recipe).get("model")
                : dir.toAbsolutePath().normalize().getFileName().toString();
    }
}
