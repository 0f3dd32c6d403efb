package io.tornadoresnet.train;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Stroke;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import io.tornadoresnet.io.AtomicFile;
import java.nio.file.Path;
import java.util.List;

/**
 * Draws training curves to a PNG in the style of the paper's Figure 6: one panel per quantity,
 * whole epochs along x, training curves dashed and test curves bold, a dot per epoch. Runs headless
 * (java.awt only).
 */
public final class CurvePlot {
    private static final int PANEL_W = 560;
    static final int PANEL_H = 400;
    static final int MARGIN_L = 64;
    private static final int MARGIN_R = 16;
    static final int MARGIN_T = 36;
    static final int MARGIN_B = 48;
    private static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
            new Color(0xff7f0e), new Color(0x9467bd), new Color(0x8c564b)};

    /** One curve: x and y values; dashed for training curves, bold for test curves. */
    public record Series(String label, double[] x, double[] y, boolean dashed, int colorIndex) {
    }

    /**
     * One panel: a title, a y-axis label and its curves. {@code yCap}, when finite, tops the y-axis
     * (rounded up to a round number) and draws higher values on the top edge, as the paper's
     * Figure 6 cuts off the first iterations to show where the curves end; NaN fits all values.
     * The x-axis is labelled {@code xLabel} ("epoch" unless given).
     */
    public record Panel(String title, String yLabel, List<Series> series, double yCap, String xLabel) {
        public Panel(String title, String yLabel, List<Series> series) {
            this(title, yLabel, series, Double.NaN);
        }

        public Panel(String title, String yLabel, List<Series> series, double yCap) {
            this(title, yLabel, series, yCap, "epoch");
        }
    }

    private CurvePlot() {
    }

    /** Writes the panels side by side to a PNG, atomically. */
    public static void write(Path png, List<Panel> panels) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(PANEL_W * panels.size(), PANEL_H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        for (int i = 0; i < panels.size(); i++) {
            drawPanel(g, panels.get(i), i * PANEL_W);
        }
        g.dispose();
        AtomicFile.writeStream(png, out -> {
            if (!ImageIO.write(image, "png", out)) {
                throw new IOException("no PNG writer in this JVM");
            }
        });
    }

    private static void drawPanel(Graphics2D g, Panel panel, int left) {
        double xMin = Double.MAX_VALUE, xMax = -Double.MAX_VALUE, yMin = Double.MAX_VALUE, yMax = -Double.MAX_VALUE;
        for (Series s : panel.series()) {
            for (int i = 0; i < s.x().length; i++) {
                if (Double.isFinite(s.y()[i])) {
                    xMin = Math.min(xMin, s.x()[i]);
                    xMax = Math.max(xMax, s.x()[i]);
                    yMin = Math.min(yMin, s.y()[i]);
                    yMax = Math.max(yMax, s.y()[i]);
                }
            }
        }
        if (xMin > xMax) {
            xMin = 0;
            xMax = 1;
            yMin = 0;
            yMax = 1;
        }
        yMin = Math.min(0, yMin);
        if (Double.isFinite(panel.yCap()) && panel.yCap() > yMin) {
            yMax = Math.min(yMax, panel.yCap());
        }
        if (xMax <= xMin) {
            xMax = xMin + 1;
        }
        if (yMax <= yMin) {
            yMax = yMin + 1;
        }
        yMax = niceCeiling(yMax);
        int x0 = left + MARGIN_L;
        int y0 = PANEL_H - MARGIN_B;
        int w = PANEL_W - MARGIN_L - MARGIN_R;
        int h = PANEL_H - MARGIN_T - MARGIN_B;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.setColor(new Color(0xdddddd));
        g.setStroke(new BasicStroke(1f));
        for (int t = 0; t <= 5; t++) {
            int yy = y0 - t * h / 5;
            g.drawLine(x0, yy, x0 + w, yy);
            g.setColor(Color.DARK_GRAY);
            String label = format(yMin + t * (yMax - yMin) / 5);
            g.drawString(label, x0 - 8 - g.getFontMetrics().stringWidth(label), yy + 4);
            g.setColor(new Color(0xdddddd));
        }
        g.setColor(Color.DARK_GRAY);
        double step = Math.max(1, Math.ceil((xMax - xMin) / 5));
        for (double tick = xMin; tick <= xMax + 1e-9; tick += step) {
            int xx = (int) Math.round(x0 + (tick - xMin) / (xMax - xMin) * w);
            String label = format(tick);
            g.drawString(label, xx - g.getFontMetrics().stringWidth(label) / 2, y0 + 16);
        }
        g.drawRect(x0, y0 - h, w, h);
        g.drawString(panel.xLabel(), x0 + w / 2 - g.getFontMetrics().stringWidth(panel.xLabel()) / 2, y0 + 34);
        g.drawString(panel.yLabel(), left + 6, MARGIN_T - 8);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(panel.title(), x0 + w / 2 - g.getFontMetrics().stringWidth(panel.title()) / 2, 20);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int legendY = MARGIN_T + 14;
        for (Series s : panel.series()) {
            g.setColor(PALETTE[s.colorIndex() % PALETTE.length]);
            g.setStroke(stroke(s.dashed()));
            Path2D.Double path = new Path2D.Double();
            boolean started = false;
            for (int i = 0; i < s.x().length; i++) {
                if (!Double.isFinite(s.y()[i])) {
                    continue;
                }
                double px = x0 + (s.x()[i] - xMin) / (xMax - xMin) * w;
                double py = y0 - (Math.min(s.y()[i], yMax) - yMin) / (yMax - yMin) * h;
                if (started) {
                    path.lineTo(px, py);
                } else {
                    path.moveTo(px, py);
                    started = true;
                }
            }
            g.draw(path);
            for (int i = 0; i < s.x().length; i++) {
                if (Double.isFinite(s.y()[i])) {
                    double px = x0 + (s.x()[i] - xMin) / (xMax - xMin) * w;
                    double py = y0 - (Math.min(s.y()[i], yMax) - yMin) / (yMax - yMin) * h;
                    int r = s.dashed() ? 2 : 3;
                    g.fillOval((int) Math.round(px) - r, (int) Math.round(py) - r, 2 * r, 2 * r);
                }
            }
            int lx = x0 + w - 150;
            g.drawLine(lx, legendY - 4, lx + 28, legendY - 4);
            g.setColor(Color.BLACK);
            g.drawString(s.label(), lx + 34, legendY);
            legendY += 16;
        }
    }

    private static Stroke stroke(boolean dashed) {
        return dashed
                ? new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 1f, new float[] {6f, 4f}, 0f)
                : new BasicStroke(2.8f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
    }

    private static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= v) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String format(double v) {
        return Math.abs(v - Math.rint(v)) < 1e-9 ? String.valueOf((long) Math.rint(v)) : String.format("%.2f", v);
    }
}
