package io.tornadoresnet.cli;

import io.tornadoresnet.io.Json;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.util.Map;

/** {@code --json}: the last line of standard output is one JSON object with the command's results. */
final class JsonOption {
    @Option(names = "--json", description = "Print the results as one JSON object, the last line of standard output.")
    private boolean enabled;

    void print(PrintStream out, Map<String, Object> results) {
        if (enabled) {
            out.println(Json.write(results));
        }
    }
}
