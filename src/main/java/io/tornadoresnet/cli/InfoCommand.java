package io.tornadoresnet.cli;

import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.plan.LayerInfo;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Prints a model's layer table, parameter count and multiply-adds. */
final class InfoCommand implements Main.Command {

    @Override
    public String summary() {
        return "--model NAME [--input CxHxW] [--classes K] [--shortcut A|B] [--json]";
    }

    @Override
    public int run(Args args, PrintStream out) {
        ResNet model = Models.fromArgs(args, null);
        boolean json = args.flag("json");
        args.rejectUnknown();
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
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("model", model.name());
            o.put("input", model.imageShape().toString());
            o.put("classes", model.classes());
            o.put("params", params);
            o.put("macs", macs);
            o.put("layers", table.size());
            out.println(Json.write(o));
        }
        return 0;
    }
}
