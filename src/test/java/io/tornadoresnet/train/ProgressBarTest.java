package io.tornadoresnet.train;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressBarTest {

    @Test
    void redrawsOnlyWhenStderrIsATerminal() {
        assertTrue(ProgressBar.redraws(null, "xterm-256color", "/dev/pts/3", false));
        assertTrue(ProgressBar.redraws(null, null, "/dev/tty1", false));
        assertFalse(ProgressBar.redraws(null, "xterm", "pipe:[48213]", true), "a pipe, whatever the console");
        assertFalse(ProgressBar.redraws(null, "xterm", "/tmp/run/train.log", true), "a file");
        assertFalse(ProgressBar.redraws(null, "xterm", "/dev/null", true));
        assertFalse(ProgressBar.redraws(null, "xterm", "socket:[991]", true));
    }

    @Test
    void theEnvironmentOverridesTheTerminalTest() {
        assertFalse(ProgressBar.redraws(null, "dumb", "/dev/pts/0", true), "TERM=dumb cannot move the cursor");
        assertTrue(ProgressBar.redraws("bar", "dumb", "pipe:[1]", false));
        assertFalse(ProgressBar.redraws(" LINES ", "xterm", "/dev/pts/0", true));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProgressBar.redraws("fancy", "xterm", "/dev/pts/0", true));
        assertTrue(e.getMessage().contains(ProgressBar.STYLE_VARIABLE), e.getMessage());
    }

    @Test
    void withoutProcTheConsoleDecides() {
        assertTrue(ProgressBar.redraws(null, null, null, true));
        assertFalse(ProgressBar.redraws(null, null, null, false));
    }

    @Test
    void intoAFileItPrintsALinePerTenthOfTheWork() {
        String text = draw(false);
        assertEquals(11, text.lines().count(), text);
        assertFalse(text.contains("\r"));
        assertTrue(text.lines().reduce((a, b) -> b).orElseThrow().contains("100%"), text);
    }

    @Test
    void onATerminalItRedrawsOneLine() {
        String text = draw(true);
        assertTrue(text.startsWith("\r"), text);
        assertTrue(text.endsWith("\n"), text);
        assertEquals(1, text.chars().filter(c -> c == '\n').count(), "one line, redrawn");
        assertTrue(text.contains("100%"), text);
    }

    @Test
    void workWithoutALossShowsProgressAndRateOnly() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, "data", 4);
        for (int done = 1; done <= 4; done++) {
            bar.update(done, 64L * done);
        }
        String last = bytes.toString(StandardCharsets.UTF_8).lines().reduce((a, b) -> b).orElseThrow();
        assertTrue(last.matches("data \\[=+\\] 100% +\\d+ img/s ETA 0:00"), last);
        assertFalse(last.contains("loss"), last);
        assertTrue(draw(false).contains("loss 1.5000 acc 50.00%"), "training keeps its loss and accuracy");
    }

    private static String draw(boolean redraw) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), redraw, "epoch 1/1",
                100);
        for (int done = 0; done <= 100; done++) {
            bar.update(done, 32L * done, 1.5, 0.5);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
