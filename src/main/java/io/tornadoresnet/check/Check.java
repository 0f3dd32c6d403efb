package io.tornadoresnet.check;

/**
 * One conformance check: a name ("group/what", e.g. {@code kernels/CONV_FORWARD}), the largest
 * error it allows, and how to measure that error. A check passes when the error it measures is at
 * most its tolerance (a NaN never passes) and the measurement itself throws nothing. Checks of one
 * group may share state (a compiled network, the steps run so far); each measures what it needs.
 */
public record Check(String name, double tolerance, Measure measure) {

    /** Runs what the check compares and returns the error found. */
    @FunctionalInterface
    public interface Measure {
        Measured run();
    }

    /** The error a measurement found, and what it found it in (the worst buffer, the step). */
    public record Measured(double error, String where) {
        public static Measured of(double error) {
            return new Measured(error, "");
        }

        /** The larger of two errors with its place; NaN counts as the largest. */
        public Measured worse(Measured other) {
            if (Double.isNaN(error)) {
                return this;
            }
            return Double.isNaN(other.error) || other.error > error ? other : this;
        }
    }
}
