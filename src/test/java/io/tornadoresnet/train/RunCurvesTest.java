package io.tornadoresnet.train;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RunCurvesTest {
    @Test
    void theTopIsTheHighestFirstFiniteValue() {
        double[] x = {1, 2};
        assertEquals(0.5, RunCurves.firstEpochTop(List.of(
                new CurvePlot.Series("train", x, new double[] {Double.NaN, 0.5}, true, 0),
                new CurvePlot.Series("test", x, new double[] {0.4, 0.7}, false, 0))), 1e-12);
        assertEquals(Double.NaN, RunCurves.firstEpochTop(List.of()));
    }

    @Test
    void bothPanelsTopAtTheirFirstEpoch() {
        List<EpochRecord> rows = List.of(new EpochRecord(1, 10, 0.1, 0.9, 0.30, 0.8, 0.25, 100, 2, 0),
                new EpochRecord(2, 20, 0.1, 0.5, 0.15, 2.1, 0.56, 100, 2, 0));
        List<CurvePlot.Panel> panels = RunCurves.panels("resnet56", rows);
        assertEquals("resnet56 loss", panels.get(0).title());
        assertEquals(0.9, panels.get(0).yCap(), 1e-12);
        assertEquals("resnet56 error", panels.get(1).title());
        assertEquals(30, panels.get(1).yCap(), 1e-9);
    }
}
