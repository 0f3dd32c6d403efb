package io.tornadoresnet.cli;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** Entry point of {@code scripts/resnet}: train, eval, predict, bench, info. */
public final class Main {

    /** One sub-command. */
    interface Command {
        String summary();

        int run(Args args, PrintStream out) throws Exception;
    }

    private static final Set<String> FLAGS = Set.of("json", "synthetic", "help", "no-plot", "nesterov", "quiet",
            "skip-nonfinite");

    private static Map<String, Command> commands() {
        Map<String, Command> c = new LinkedHashMap<>();
        c.put("train", new TrainCommand());
        c.put("eval", new EvalCommand());
        c.put("predict", new PredictCommand());
        c.put("plot", new PlotCommand());
        c.put("bench", new BenchCommand());
        c.put("info", new InfoCommand());
        return c;
    }

    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] argv, PrintStream out, PrintStream err) {
        Map<String, Command> commands = commands();
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("-h") || argv[0].equals("help")) {
            usage(out, commands);
            return argv.length == 0 ? 2 : 0;
        }
        Command command = commands.get(argv[0]);
        if (command == null) {
            err.println("resnet: unknown command '" + argv[0] + "'");
            usage(err, commands);
            return 2;
        }
        try {
            Args args = new Args(Arrays.copyOfRange(argv, 1, argv.length), FLAGS);
            if (args.flag("help")) {
                out.println("resnet " + argv[0] + ": " + command.summary());
                return 0;
            }
            return command.run(args, out);
        } catch (Args.UsageException e) {
            err.println("resnet " + argv[0] + ": " + e.getMessage());
            err.println("usage: resnet " + argv[0] + " " + command.summary());
            return 2;
        } catch (IllegalArgumentException | IllegalStateException | java.io.IOException e) {
            err.println("resnet " + argv[0] + ": " + e.getMessage());
            return 1;
        } catch (Exception e) {
            err.println("resnet " + argv[0] + ": " + e);
            e.printStackTrace(err);
            return 1;
        }
    }

    private static void usage(PrintStream out, Map<String, Command> commands) {
        out.println("usage: resnet <command> [options]   (every command takes --json: last line of stdout is JSON)");
        commands.forEach((name, c) -> out.println("  " + name + "  " + c.summary()));
    }
}
