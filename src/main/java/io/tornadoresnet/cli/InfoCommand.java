package io.tornadoresnet.cli;

import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.Sgd;
import io.tornadoresnet.plan.LayerInfo;
import io.tornadoresnet.plan.Mode;
import io.tornadoresnet.train.Recipe;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Prints a model's layer table, parameter count and multiply-adds, and with a batch size the memory it takes. */
@Command(name = "info", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        usageHelpWidth = 100, description = "Print a model's layers, parameters and multiply-adds.")
final class InfoCommand implements Callable<Integer> {
    private static final double MIB = 1024.0 * 1024.0;

    @ParentCommand
    private Main main;
    @Spec
    private CommandSpec spec;
    @Mixin
    private ModelOptions modelOptions;
    @Option(names = "--batch", paramLabel = "N",
            description = "Also print the memory that training and inference at this batch size take.")
    private Integer batch;
    @Mixin
    private JsonOption json;

    @Override
    public Integer call() {
        ResNet model = modelOptions.build();
        PrintStream out = main.out;
        List<LayerInfo> table = model.layerTable();
        long macs = table.stream().mapToLong(LayerInfo::macs).sum();
        long params = model.parameterCount();
        out.printf("%s  input %s  classes %d  shortcut %s%n", model.name(), model.imageShape(), model.classes(),
                model.shortcut());
        out.printf("%-28s %-24s %-14s %12s %14s%n", "layer", "type", "output", "params", "MACs");
        for (LayerInfo row : table) {
            out.printf("%-28s %-24s %-14s %,12d %,14d%n", row.name(), row.type(), row.output(), row.params(),
                    row.macs());
        }
        out.printf("parameters %,d  multiply-adds %,d per image (%.2f GMACs)%n", params, macs, macs / 1e9);
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", model.name());
        o.put("input", model.imageShape().toString());
        o.put("classes", model.classes());
        o.put("params", params);
        o.put("macs", macs);
        o.put("layers", table.size());
        if (batch != null) {
            Usage.range(spec, "--batch", batch, 1, Recipe.MAX_BATCH);
            o.put("memory", memory(model, out));
        }
        json.print(out, o);
        return 0;
    }

    /**
     * Prints, and returns for the JSON, what a plan of {@link #batch} and the model take in each mode
     * ({@link ResNet#memory}): the figure compiling checks against -Xmx, its parts, and what the plan's
     * tensors hold at once.
     */
    private Map<String, Object> memory(ResNet model, PrintStream out) {
        out.printf("memory at batch %d, before the backend's own workspaces:%n", batch);
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("batch", batch);
        for (Mode mode : Mode.values()) {
            ResNet.Memory m = model.memory(mode, batch, mode == Mode.TRAIN ? Sgd.PAPER : null);
            out.printf("  %-9s %,10.1f MiB: plan %,.1f MiB (its tensors in use at once at most %,.1f), model state "
                    + "%,.1f%n", mode == Mode.TRAIN ? "training" : "inference", m.total() / MIB, m.plan() / MIB,
                    m.planAtOnce() / MIB, m.state() / MIB);
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("total_mib", mib(m.total()));
            row.put("plan_mib", mib(m.plan()));
            row.put("plan_at_once_mib", mib(m.planAtOnce()));
            row.put("state_mib", mib(m.state()));
            o.put(mode == Mode.TRAIN ? "train" : "infer", row);
        }
        return o;
    }

    private static double mib(long bytes) {
        return Math.round(bytes / MIB * 10) / 10.0;
    }
}
