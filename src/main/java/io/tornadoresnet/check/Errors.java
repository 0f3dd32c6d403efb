package io.tornadoresnet.check;

/** The measures of disagreement between a backend's floats and the reference's. */
public final class Errors {
    private Errors() {
    }

    /**
     * max|actual - expected| / max(1, max|expected|): the error scaled by the buffer's magnitude,
     * for code that computes the same sums in the same order up to FMA contraction. NaN if any
     * element is NaN where the reference is not; infinite if the lengths differ.
     */
    public static double scaled(float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            return Double.POSITIVE_INFINITY;
        }
        double scale = Math.max(1, maxAbs(expected));
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = Math.abs((double) actual[i] - expected[i]);
            if (Double.isNaN(e)) {
                return Double.NaN;
            }
            worst = Math.max(worst, e);
        }
        return worst / scale;
    }

    /**
     * max over elements of |actual - expected| / (|expected| + max|expected| / 100 + 1 / 100): relative to
     * each value, with a floor of a hundredth of the largest value (and of one), so that values near
     * zero are not held to more than the buffer's rounding; for code that sums in another order.
     */
    public static double relative(float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            return Double.POSITIVE_INFINITY;
        }
        double floor = maxAbs(expected) * 1e-2 + 1e-2;
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            double e = Math.abs((double) actual[i] - expected[i]) / (Math.abs(expected[i]) + floor);
            if (Double.isNaN(e)) {
                return Double.NaN;
            }
            worst = Math.max(worst, e);
        }
        return worst;
    }

    /** ||actual - expected|| / ||expected||, the norm of the difference relative to the reference's. */
    public static double norm(float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            return Double.POSITIVE_INFINITY;
        }
        double difference = 0;
        double norm = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = (double) actual[i] - expected[i];
            difference += d * d;
            norm += (double) expected[i] * expected[i];
        }
        return Math.sqrt(difference) / Math.max(Math.sqrt(norm), 1e-30);
    }

    /** |actual - expected| / max(1, |expected|), for losses. */
    public static double loss(float actual, float expected) {
        return Math.abs((double) actual - expected) / Math.max(1, Math.abs(expected));
    }

    /** The number of elements that differ, for int buffers, which must agree exactly. */
    public static double mismatches(int[] actual, int[] expected) {
        if (actual.length != expected.length) {
            return Double.POSITIVE_INFINITY;
        }
        int count = 0;
        for (int i = 0; i < expected.length; i++) {
            if (actual[i] != expected[i]) {
                count++;
            }
        }
        return count;
    }

    private static double maxAbs(float[] values) {
        double max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }
}
