package io.tornadoresnet.cli;

import io.tornadoresnet.train.ComparisonPlot;
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

/** Draws the error curves of finished or running runs side by side, from their metrics.csv files. */
@Command(name = "plot", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        usageHelpWidth = 100, description = "Draw the training and test error of several runs in one figure "
        + "(the paper's Figure 6 style), from their metrics.csv.")
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

    @Mixin
    private JsonOption json;

    @Override
    public Integer call() throws IOException {
        if (labels != null && labels.size() != dirs.size()) {
            throw Usage.error(spec, "--labels names " + labels.size() + " runs, but " + dirs.size()
                    + " run folders were given");
        }
        Path parent = png.toAbsolutePath().getParent();
        OutputFolder.checkWritable("--out", parent);
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
}
