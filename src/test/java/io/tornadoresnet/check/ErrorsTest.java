package io.tornadoresnet.check;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ErrorsTest {

    @Test
    void scaledErrorDividesByTheLargestValueButNotBelowOne() {
        assertEquals(0.5 / 4, Errors.scaled(new float[] {4.5f, 1}, new float[] {4, 1}), 1e-9);
        assertEquals(0.25, Errors.scaled(new float[] {0.25f}, new float[] {0}), 1e-9);
        assertTrue(Double.isNaN(Errors.scaled(new float[] {Float.NaN}, new float[] {1})));
        assertEquals(Double.POSITIVE_INFINITY, Errors.scaled(new float[] {1}, new float[] {1, 2}));
    }

    @Test
    void relativeErrorHasAFloorOfAHundredthOfTheLargestValue() {
        // element 1: |0.1 - 0| / (0 + 100 / 100 + 0.01)
        assertEquals(0.1 / 1.01, Errors.relative(new float[] {100, 0.1f}, new float[] {100, 0}), 1e-6);
        assertEquals(1 / (2 + 0.02 + 0.01), Errors.relative(new float[] {3}, new float[] {2}), 1e-9);
    }

    @Test
    void normAndLossAndMismatches() {
        assertEquals(0.5, Errors.norm(new float[] {3, 4 + 2.5f}, new float[] {3, 4}), 1e-7);
        assertEquals(0.5, Errors.loss(0.5f, 0f), 1e-9);
        assertEquals(0.25, Errors.loss(2.5f, 2f), 1e-9);
        assertEquals(1, Errors.mismatches(new int[] {1, 2, 3}, new int[] {1, 5, 3}));
    }

    @Test
    void aCheckPassesAtItsToleranceAndFailsAboveItOrOnNaNOrAnException() {
        assertTrue(CheckResult.run(new Check("a", 0.5, () -> Check.Measured.of(0.5))).passed());
        assertFalse(CheckResult.run(new Check("b", 0.5, () -> Check.Measured.of(0.6))).passed());
        assertFalse(CheckResult.run(new Check("c", 0.5, () -> Check.Measured.of(Double.NaN))).passed());
        CheckResult thrown = CheckResult.run(new Check("d", 0.5, () -> {
            throw new IllegalStateException("device lost");
        }));
        assertFalse(thrown.passed());
        assertEquals("IllegalStateException: device lost", thrown.detail());
        assertTrue(Double.isNaN(thrown.maxError()));
    }

    @Test
    void theWorseOfTwoMeasurementsKeepsItsPlaceAndNaNWins() {
        Check.Measured a = new Check.Measured(1, "a");
        Check.Measured b = new Check.Measured(2, "b");
        assertEquals("b", a.worse(b).where());
        assertEquals("b", b.worse(a).where());
        assertEquals("n", a.worse(new Check.Measured(Double.NaN, "n")).where());
        assertEquals("n", new Check.Measured(Double.NaN, "n").worse(b).where());
    }
}
