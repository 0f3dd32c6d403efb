package io.tornadoresnet.testing;

import java.util.function.DoubleUnaryOperator;

/**
 * The one assertion that arrays of numbers agree: element by element, within an error each test
 * allows as a function of the expected value (its tolerance policy). Throws a plain
 * {@link AssertionError}, so that a child JVM without JUnit can use it too. NaN never passes.
 */
public final class Close {

    private Close() {
    }

    /** Fails at the first element whose error exceeds {@code allowed.applyAsDouble(expected)}, naming it. */
    public static void assertClose(String what, double[] expected, float[] actual, DoubleUnaryOperator allowed) {
        if (expected.length != actual.length) {
            throw new AssertionError(what + ": length " + actual.length + ", expected " + expected.length);
        }
        for (int i = 0; i < expected.length; i++) {
            double limit = allowed.applyAsDouble(expected[i]);
            if (!(Math.abs(actual[i] - expected[i]) <= limit)) {
                throw new AssertionError(String.format("%s[%d]: %.9g, expected %.9g (allowed error %.3g)", what, i,
                        actual[i], expected[i], limit));
            }
        }
    }

    public static void assertClose(String what, float[] expected, float[] actual, DoubleUnaryOperator allowed) {
        assertClose(what, widen(expected), actual, allowed);
    }

    /** The largest magnitude, 0 for an empty array. */
    public static double maxAbs(double[] values) {
        double max = 0;
        for (double v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }

    public static double maxAbs(float[] values) {
        return maxAbs(widen(values));
    }

    private static double[] widen(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
