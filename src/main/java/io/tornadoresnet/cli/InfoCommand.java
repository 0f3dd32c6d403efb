package io.tornadoresnet.cli;

import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.plan.LayerInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParentCommand;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** Prints a model's layer table, parameter count and multiply-adds. */
@Command(name = "info", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        usageHelpWidth = 100, description = "Print a model's layers, parameters and multiply-adds.")
final class InfoCommand implements Callable<Integer> {
    @ParentCommand
    private Main main;
    @Mixin
    private ModelOptions modelOptions;
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
        json.print(out, o);
        return 0;
    }
}
