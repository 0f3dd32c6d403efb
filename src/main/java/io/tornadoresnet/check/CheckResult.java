package io.tornadoresnet.check;

/** What a check found: passed or not, its largest error against its tolerance, and how long it took. */
public record CheckResult(String name, boolean passed, double maxError, double tolerance, double seconds,
                          String detail) {

    /** Runs a check, timing it; an exception or an assertion error inside it is a failure with its message. */
    public static CheckResult run(Check check) {
        long start = System.nanoTime();
        try {
            Check.Measured m = check.measure().run();
            boolean passed = m.error() <= check.tolerance();
            return new CheckResult(check.name(), passed, m.error(), check.tolerance(), since(start), m.where());
        } catch (RuntimeException | AssertionError | LinkageError | StackOverflowError e) {
            String reason = e.getMessage() != null ? e.getMessage() : e.toString();
            return new CheckResult(check.name(), false, Double.NaN, check.tolerance(), since(start),
                    e.getClass().getSimpleName() + ": " + reason);
        }
    }

    private static double since(long start) {
        return (System.nanoTime() - start) / 1e9;
    }
}
