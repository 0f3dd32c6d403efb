package io.tornadoresnet.cli;

import io.tornadoresnet.train.ComparisonPlot;
import io.tornadoresnet.train.Trainer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Draws the error curves of finished or running runs side by side, from their metrics.csv files. */
final class PlotCommand implements Main.Command {
    @Override
    public String summary() {
        return "RUN_DIR... [--labels a,b,...] [--out FILE.png] [--json]";
    }

    @Override
    public int run(Args args, PrintStream out) throws IOException {
        boolean json = args.flag("json");
        Path png = Path.of(args.string("out", "comparison.png"));
        String labelList = args.string("labels", null);
        args.rejectUnknown();
        List<String> dirs = args.positional();
        if (dirs.isEmpty()) {
            throw new Args.UsageException("give one or more run folders (each holds " + Trainer.METRICS + ")");
        }
        List<Path> metrics = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        for (String d : dirs) {
            Path dir = Path.of(d);
            Path file = dir.resolve(Trainer.METRICS);
            if (!Files.isRegularFile(file)) {
                throw new Args.UsageException(dir + " holds no " + Trainer.METRICS + ": is it a run's output folder?");
            }
            metrics.add(file);
            labels.add(dir.toAbsolutePath().normalize().getFileName().toString());
        }
        if (labelList != null) {
            labels = List.of(labelList.trim().split("\\s*,\\s*"));
            if (labels.size() != dirs.size()) {
                throw new Args.UsageException("--labels names " + labels.size() + " runs, but " + dirs.size()
                        + " run folders were given");
            }
        }
        ComparisonPlot.write(png, labels, metrics);
        out.println("plot: " + png);
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("plot", png.toString());
            o.put("runs", labels);
            out.println(Json.write(o));
        }
        return 0;
    }
}
