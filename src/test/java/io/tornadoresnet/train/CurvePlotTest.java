package io.tornadoresnet.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CurvePlotTest {
    private static final int FIRST_COLOUR = 0x1f77b4;

    /** The topmost row of the plot's first column (x = its first epoch) drawn in the first series' colour. */
    private static int topOfFirstPoint(Path png) throws IOException {
        BufferedImage image = ImageIO.read(png.toFile());
        for (int y = 0; y < image.getHeight(); y++) {
            if ((image.getRGB(CurvePlot.MARGIN_L, y) & 0xffffff) == FIRST_COLOUR) {
                return y;
            }
        }
        throw new AssertionError("the first point is not drawn");
    }

    private static List<CurvePlot.Panel> panel(double cap) {
        CurvePlot.Series s = new CurvePlot.Series("a", new double[] {1, 2}, new double[] {80, 10}, false, 0);
        return List.of(new CurvePlot.Panel("error", "%", List.of(s), cap));
    }

    @Test
    void aCappedAxisDrawsHigherValuesOnTheTopEdge(@TempDir Path dir) throws IOException {
        Path capped = dir.resolve("capped.png");
        CurvePlot.write(capped, panel(20));
        int plotHeight = CurvePlot.PANEL_H - CurvePlot.MARGIN_T - CurvePlot.MARGIN_B;
        assertEquals(CurvePlot.MARGIN_T, topOfFirstPoint(capped), 4);

        Path fitted = dir.resolve("fitted.png");
        CurvePlot.write(fitted, panel(Double.NaN));
        // Fitted, the axis runs to 100 and 80 sits a fifth of the way down.
        assertEquals(CurvePlot.MARGIN_T + plotHeight / 5.0, topOfFirstPoint(fitted), 4);
        assertTrue(topOfFirstPoint(fitted) > topOfFirstPoint(capped));
    }
}
