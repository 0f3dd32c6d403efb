package io.tornadoresnet.cli;

import io.tornadoresnet.check.Check;
import io.tornadoresnet.check.CheckResult;
import io.tornadoresnet.check.CheckSuite;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The conformance checks of a backend, from the jar alone: for tornado, every kernel on the device
 * against the plain kernels on the JVM, whole steps of ResNet-20 and of a bottleneck ResNet, and the
 * bytes each step moves; for jvm, every op and whole steps against the plain kernels. Exit status 0
 * only when every check passes.
 */
@Command(name = "check", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        usageHelpWidth = 100, description = {"Check a backend against the plain kernels: every kernel (tornado) or op "
        + "(jvm), whole training steps of ResNet-20 and a bottleneck ResNet, and for tornado the bytes moved per step.",
        "Exit status 0 only when every check passes."})
final class CheckCommand implements Callable<Integer> {
    @ParentCommand
    private Main main;
    @Spec
    private CommandSpec spec;

    @Option(names = "--only", paramLabel = "PREFIX", split = ",",
            description = "Run only the checks whose name starts with one of these prefixes (e.g. kernels,resnet20/; "
                    + "case-insensitive). Default: all.")
    private List<String> only;

    @Mixin
    private BackendOptions backendOptions;
    @Mixin
    private JsonOption json;

    @Override
    public Integer call() {
        String backendName = backendOptions.checkedName("jvm");
        PrintStream out = main.out;
        List<CheckResult> results = new ArrayList<>();
        long start = System.nanoTime();
        String device;
        try (CheckSuite suite = backendOptions.checks(backendName)) {
            device = suite.device();
            List<Check> selected = suite.checks().stream().filter(c -> selected(c.name())).toList();
            if (selected.isEmpty()) {
                throw Usage.error(spec, "--only " + String.join(",", only) + ": no check's name starts so; they are "
                        + String.join(", ", suite.checks().stream().map(Check::name).toList()));
            }
            out.printf("checking %s: %d checks%n", device, selected.size());
            for (Check check : selected) {
                CheckResult r = CheckResult.run(check);
                results.add(r);
                out.printf("%s  %-44s error %9.2e  tolerance %7.1e  %6.1f s%s%n", r.passed() ? "pass" : "FAIL",
                        r.name(), r.maxError(), r.tolerance(), r.seconds(), r.detail().isEmpty() ? "" : "  " + r.detail());
            }
        }
        long failed = results.stream().filter(r -> !r.passed()).count();
        double seconds = (System.nanoTime() - start) / 1e9;
        out.printf("%s: %d of %d checks passed on %s in %.1f s%n", failed == 0 ? "passed" : "FAILED",
                results.size() - failed, results.size(), device, seconds);
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("backend", backendName);
        o.put("device", device);
        o.put("passed", failed == 0);
        o.put("failed", failed);
        o.put("seconds", round(seconds, 1000));
        List<Object> checks = new ArrayList<>();
        for (CheckResult r : results) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("name", r.name());
            c.put("passed", r.passed());
            c.put("max_error", r.maxError());
            c.put("tolerance", r.tolerance());
            c.put("seconds", round(r.seconds(), 1000));
            c.put("detail", r.detail());
            checks.add(c);
        }
        o.put("checks", checks);
        json.print(out, o);
        return failed == 0 ? 0 : Main.FAILURE;
    }

    private boolean selected(String name) {
        if (only == null) {
            return true;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        return only.stream().anyMatch(p -> lower.startsWith(p.toLowerCase(Locale.ROOT)));
    }

    private static double round(double value, double scale) {
        return Math.round(value * scale) / scale;
    }
}
