package io.tornadoresnet.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A one-line progress bar with loss, accuracy, throughput and ETA. On a terminal it redraws in
 * place; into a file or pipe it prints a line every tenth of the work instead.
 */
public final class ProgressBar {
    /** Environment variable that forces the style: {@code bar} (redraw in place) or {@code lines}. */
    public static final String STYLE_VARIABLE = "RESNET_PROGRESS";
    private static final int WIDTH = 28;
    private final PrintStream out;
    private final boolean interactive;
    private final String label;
    private final long total;
    private final long startDone;
    private final long startNanos = System.nanoTime();
    private long lastDraw;
    private int lastDecile = -1;

    public ProgressBar(PrintStream out, boolean interactive, String label, long total) {
        this(out, interactive, label, total, 0);
    }

    /** A bar for work of which {@code startDone} units were done before (a resumed epoch). */
    public ProgressBar(PrintStream out, boolean interactive, String label, long total, long startDone) {
        this.out = out;
        this.interactive = interactive;
        this.label = label;
        this.total = Math.max(1, total);
        this.startDone = startDone;
    }

    /**
     * Redraws (at most ten times a second on a terminal) after done of total units.
     *
     * @param images images processed since this bar was made (for the rate)
     */
    public void update(long done, long images, double loss, double accuracy) {
        draw(done, images, String.format(" loss %.4f acc %5.2f%%", loss, 100 * accuracy));
    }

    /** Redraws after done of total units of work that has no loss (streaming data, say). */
    public void update(long done, long images) {
        draw(done, images, "");
    }

    private void draw(long done, long images, String metrics) {
        long now = System.nanoTime();
        int decile = (int) (10 * done / total);
        boolean finished = done >= total;
        if (interactive ? !finished && now - lastDraw < 100_000_000L : decile == lastDecile && !finished) {
            return;
        }
        lastDraw = now;
        lastDecile = decile;
        double seconds = (now - startNanos) / 1e9;
        double rate = images / Math.max(seconds, 1e-9);
        double eta = done <= startDone ? 0 : seconds * (total - done) / (done - startDone);
        int filled = (int) (WIDTH * done / total);
        String bar = "=".repeat(filled) + (filled < WIDTH ? ">" + " ".repeat(WIDTH - filled - 1) : "");
        String line = String.format("%s [%s] %3d%%%s %6.0f img/s ETA %s", label, bar, 100 * done / total, metrics,
                rate, clock(eta));
        if (interactive) {
            out.print("\r" + line + (finished ? "\n" : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }

    /**
     * Whether a bar on stderr should redraw in place: {@value #STYLE_VARIABLE} decides when set,
     * then TERM=dumb means no; otherwise stderr must be a terminal.
     */
    public static boolean redrawsOnStderr() {
        return redraws(System.getenv(STYLE_VARIABLE), System.getenv("TERM"), stderrTarget(),
                System.console() != null);
    }

    /**
     * @param stderrTarget where file descriptor 2 points ({@code /dev/pts/3}, {@code pipe:[123]},
     *                     a file), or null where /proc cannot tell
     * @param hasConsole   the fallback without /proc: the JVM's console (stdin and stdout)
     */
    static boolean redraws(String style, String term, String stderrTarget, boolean hasConsole) {
        if (style != null && !style.isBlank()) {
            return switch (style.strip().toLowerCase(Locale.ROOT)) {
                case "bar" -> true;
                case "lines" -> false;
                default -> throw new IllegalArgumentException(STYLE_VARIABLE + " is bar or lines, got '" + style + "'");
            };
        }
        if ("dumb".equals(term)) {
            return false;
        }
        if (stderrTarget != null) {
            return stderrTarget.startsWith("/dev/pts/") || stderrTarget.startsWith("/dev/tty")
                    || stderrTarget.equals("/dev/console");
        }
        return hasConsole;
    }

    /** Java cannot ask isatty(2); on Linux the target of /proc/self/fd/2 says what stderr is. */
    private static String stderrTarget() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return null;
        }
    }

    static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format("%d:%02d", s / 60, s % 60);
    }
}
