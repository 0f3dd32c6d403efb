package io.tornadoresnet.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.concurrent.Callable;

/**
 * Entry point of {@code scripts/resnet}. Exit status 0 on success, 1 when the work itself fails
 * (a bad file, a device error), 2 for a mistake in the command line; 130 is left to Ctrl-C.
 */
@Command(name = "resnet", mixinStandardHelpOptions = true, versionProvider = Version.class,
        usageHelpWidth = 100, sortOptions = false,
        description = "Deep residual networks trained and served in Java.",
        footer = {"", "'resnet COMMAND --help' describes a command. Every command takes --json: the last line of "
                + "standard output is then one JSON object."},
        subcommands = {TrainCommand.class, EvalCommand.class, PredictCommand.class, PlotCommand.class,
                BenchCommand.class, InfoCommand.class, CheckCommand.class, DataCommand.class})
public final class Main implements Callable<Integer> {
    static final int USAGE = 2;
    static final int FAILURE = 1;

    /** Where the commands print; System.out and System.err when run from the shell. */
    final PrintStream out;
    final PrintStream err;

    @Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "On failure, print the full stack trace, not only the one-line reason.")
    private boolean debug;

    private Main(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs one command line; returns the exit status. */
    static int run(String[] argv, PrintStream out, PrintStream err) {
        Main main = new Main(out, err);
        CommandLine cl = new CommandLine(main);
        CommandLine completion = new CommandLine(new AutoComplete.GenerateCompletion());
        completion.getCommandSpec().name("completion").usageMessage().hidden(false)
                .description("Print a bash completion script: source <(scripts/resnet completion)");
        cl.addSubcommand("completion", completion);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setParameterExceptionHandler((e, args) -> main.usageError(e));
        cl.setExecutionExceptionHandler((e, command, parsed) -> main.failure(e, command));
        return cl.execute(argv);
    }

    /**
     * The train command of {@code argv}, parsed but not run: a Spark task rebuilds its part of the run
     * from the driver's command line with it. It prints to this process's standard streams.
     */
    static TrainCommand parseTrain(String[] argv) {
        CommandLine.ParseResult parsed = new CommandLine(new Main(System.out, System.err)).parseArgs(argv);
        if (!parsed.hasSubcommand() || !(parsed.subcommand().commandSpec().userObject() instanceof TrainCommand train)) {
            throw new IllegalArgumentException("not a train command line: " + String.join(" ", argv));
        }
        return train;
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "give a command: "
                + String.join(", ", spec.subcommands().keySet()));
    }

    private int usageError(ParameterException e) {
        CommandLine command = e.getCommandLine();
        String where = command.getCommandSpec().qualifiedName();
        if (e instanceof UnmatchedArgumentException u && command.getCommandSpec().parent() == null
                && !u.getUnmatched().isEmpty() && !u.getUnmatched().get(0).startsWith("-")) {
            err.println(where + ": unknown command '" + u.getUnmatched().get(0) + "'");
        } else {
            err.println(where + ": " + e.getMessage());
        }
        UnmatchedArgumentException.printSuggestions(e, err);
        err.println("see '" + where + " --help'");
        return USAGE;
    }

    private int failure(Exception e, CommandLine command) {
        err.println(command.getCommandSpec().qualifiedName() + ": " + reason(e));
        if (debug) {
            e.printStackTrace(err);
        }
        return FAILURE;
    }

    /** One line: the message of the failures users cause, the exception itself for anything else. */
    static String reason(Throwable e) {
        if (e instanceof UncheckedIOException u) {
            return reason(u.getCause());
        }
        if (e instanceof NoSuchFileException f) {
            return "no such file or folder: " + f.getFile();
        }
        if (e instanceof AccessDeniedException f) {
            return "permission denied: " + f.getFile();
        }
        if (e instanceof NotDirectoryException f) {
            return "not a folder: " + f.getFile();
        }
        if (e instanceof FileSystemException f) {
            return f.getFile() + ": " + (f.getReason() != null ? f.getReason() : f.getClass().getSimpleName());
        }
        boolean ours = e instanceof IOException || e instanceof IllegalArgumentException
                || e instanceof IllegalStateException;
        if (ours && e.getMessage() != null) {
            return e.getMessage();
        }
        return e + " (--debug shows where)";
    }
}
