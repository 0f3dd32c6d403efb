package io.tornadoresnet.kernels;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.tornadoresnet.testing.Close;
import java.util.Arrays;
import java.util.Random;

/** Random data, finite differences and tolerant comparisons shared by the kernel tests. */
final class Support {

    /** Central-difference step, in double precision. */
    static final double FD_EPS = 1e-3;
    /** Relative tolerance for analytic (float) against numeric (double) gradients. */
    static final double GRAD_TOL = 1e-3;
    /** Relative tolerance for float kernels against double references. */
    static final double FORWARD_TOL = 1e-5;

    private Support() {
    }

    /** A scalar-to-vector function in double precision: the reference forward of one input. */
    interface Fn {
        double[] apply(double[] x);
    }

    /** Uniform in [-1, 1). */
    static float[] uniform(Random random, int size) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = random.nextFloat() * 2f - 1f;
        }
        return a;
    }

    /** Distinct values in random order, at least {@code gap} apart: no ties and no kinks within a finite-difference step. */
    static float[] distinct(Random random, int size, float gap) {
        float[] a = new float[size];
        for (int i = 0; i < size; i++) {
            a[i] = (i - size / 2) * gap;
        }
        for (int i = size - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            float t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    /** An output buffer full of NaN, so that a kernel that skips an element or accumulates is caught. */
    static float[] poisoned(int size) {
        float[] a = new float[size];
        Arrays.fill(a, Float.NaN);
        return a;
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }

    static double dot(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException(a.length + " != " + b.length);
        }
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** The gradient of {@code L(x) = sum(f(x) * r)} by central differences (x is restored). */
    static double[] numericGradient(Fn f, double[] x, double[] r) {
        double[] grad = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double saved = x[i];
            x[i] = saved + FD_EPS;
            double plus = dot(f.apply(x), r);
            x[i] = saved - FD_EPS;
            double minus = dot(f.apply(x), r);
            x[i] = saved;
            grad[i] = (plus - minus) / (2 * FD_EPS);
        }
        return grad;
    }

    /**
     * Element-wise {@code |actual - expected| <= tol * max(|expected|, maxAbs(expected) / 10)}: relative
     * where the value is not tiny, and never looser than a tenth of the largest value's tolerance.
     */
    static void assertClose(double[] expected, float[] actual, double tol, String what) {
        double floor = Close.maxAbs(expected) / 10;
        Close.assertClose(what, expected, actual, e -> tol * Math.max(Math.abs(e), floor));
    }

    /** As {@link #assertClose(double[], float[], double, String)}, requiring a non-trivial expectation. */
    static void assertGradient(double[] numeric, float[] analytic, String what) {
        assertTrue(Close.maxAbs(numeric) > 1e-6, what + ": the numeric gradient is all zero, the test would prove nothing");
        assertClose(numeric, analytic, GRAD_TOL, what);
    }

    static void assertExactly(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.compare(expected[i], actual[i]) != 0) {
                fail(String.format("%s[%d]: %s, expected %s", what, i, actual[i], expected[i]));
            }
        }
        if (expected.length != actual.length) {
            fail(what + ": length " + actual.length + ", expected " + expected.length);
        }
    }
}
