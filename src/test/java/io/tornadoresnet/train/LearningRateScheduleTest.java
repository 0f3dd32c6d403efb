package io.tornadoresnet.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LearningRateScheduleTest {

    @Test
    void stepScheduleDividesByTenAtEachMilestoneAfterWarmUp() {
        LearningRateSchedule s = LearningRateSchedule.step(0.1, new long[] {48000, 32000}, 0.1, 400, 0.01);
        assertEquals(0.01, s.rate(0), 1e-12);
        assertEquals(0.01, s.rate(399), 1e-12);
        assertEquals(0.1, s.rate(400), 1e-12);
        assertEquals(0.1, s.rate(31999), 1e-12);
        assertEquals(0.01, s.rate(32000), 1e-12);
        assertEquals(0.001, s.rate(48000), 1e-12);
        assertEquals(0.001, s.rate(63999), 1e-12);
    }

    @Test
    void milestonesInEpochsAreScaledBySteps() {
        LearningRateSchedule s = LearningRateSchedule.parse("step", 0.1, "2e, 5e", 100, 1000, 0, 0);
        assertEquals(0.1, s.rate(199), 1e-12);
        assertEquals(0.01, s.rate(200), 1e-12);
        assertEquals(0.001, s.rate(500), 1e-12);
    }

    @Test
    void cosineFallsFromBaseToZero() {
        LearningRateSchedule s = LearningRateSchedule.cosine(0.2, 100, 0);
        assertEquals(0.2, s.rate(0), 1e-12);
        assertEquals(0.1, s.rate(50), 1e-12);
        assertEquals(0.0, s.rate(100), 1e-12);
        LearningRateSchedule warm = LearningRateSchedule.cosine(0.2, 100, 10);
        assertEquals(0.02, warm.rate(0), 1e-12);
        assertEquals(0.2, warm.rate(10), 1e-12);
    }

    @Test
    void oneCycleMatchesPyTorchOneCycleLR() {
        // torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=100), values read at steps 0, 10, 29, 60, 99
        LearningRateSchedule s = LearningRateSchedule.oneCycle(0.1, 100);
        assertEquals(0.004, s.rate(0), 1e-9);
        assertEquals(0.1, s.rate(29), 1e-9);
        double pct = 10 / 29.0;
        assertEquals(0.1 + (0.004 - 0.1) / 2 * (Math.cos(Math.PI * pct) + 1), s.rate(10), 1e-12);
        assertEquals(4e-7, s.rate(99), 1e-12);
        double down = (60 - 29) / 70.0;
        assertEquals(4e-7 + (0.1 - 4e-7) / 2 * (Math.cos(Math.PI * down) + 1), s.rate(60), 1e-12);
    }

    @Test
    void unknownScheduleAndBadMilestonesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.parse("linear", 0.1, "", 1, 1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.parse("step", 0.1, "ten", 1, 1, 0, 0));
    }
}
