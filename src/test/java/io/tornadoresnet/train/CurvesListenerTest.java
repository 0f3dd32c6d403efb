package io.tornadoresnet.train;

import io.tornadoresnet.io.CheckpointMetadata;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CurvesListenerTest {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream logged = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logged, true, StandardCharsets.UTF_8);

    private TrainingState state() {
        ResNet model = ResNets.create("resnet8", Shape.of(1, 8, 8), 4);
        CheckpointMetadata start = new CheckpointMetadata(model.name(), model.imageShape(), model.classes(),
                model.shortcut(), 0, 0, CheckpointMetadata.EpochProgress.NONE, 1, "", "", List.of(), "",
                CheckpointMetadata.InputNormalization.NONE);
        return new TrainingState(model, null, start, 2, 10, false);
    }

    private EpochRecord epoch(MetricsLog metrics) throws IOException {
        EpochRecord record = new EpochRecord(1, 10, 0.1, 1.5, 0.4, 1.4, 0.35, 100, 2, 0);
        metrics.append(record);
        return record;
    }

    @Test
    void drawsTheCurves() throws IOException {
        MetricsLog metrics = new MetricsLog(dir.resolve("metrics.csv"));
        Path png = dir.resolve("curves.png");
        new CurvesListener(metrics, png, log).epochEnded(state(), epoch(metrics));
        assertTrue(Files.size(png) > 0);
        assertEquals("", logged.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theAxesTopAtTheFirstEpochSoThatALaterSpikeDoesNotFlattenTheCurves() throws IOException {
        MetricsLog metrics = new MetricsLog(dir.resolve("metrics.csv"));
        metrics.append(new EpochRecord(1, 10, 0.1, 0.9, 0.30, 0.8, 0.25, 100, 2, 0));
        metrics.append(new EpochRecord(2, 20, 0.1, 0.5, 0.15, 2.1, 0.56, 100, 2, 0));
        EpochRecord last = new EpochRecord(3, 30, 0.1, 0.3, 0.10, 0.35, 0.11, 100, 2, 0);
        metrics.append(last);
        List<List<CurvePlot.Panel>> drawn = new ArrayList<>();
        new CurvesListener(metrics, dir.resolve("curves.png"), log, (file, panels) -> drawn.add(panels))
                .epochEnded(state(), last);
        List<CurvePlot.Panel> panels = drawn.get(0);
        assertEquals(0.9, panels.get(0).yCap(), 1e-12);
        assertEquals(30, panels.get(1).yCap(), 1e-9);
    }

    @Test
    void aNodeWithoutFontsWarnsAndTrainingGoesOn() throws IOException {
        MetricsLog metrics = new MetricsLog(dir.resolve("metrics.csv"));
        Path png = dir.resolve("curves.png");
        CurvesListener listener = new CurvesListener(metrics, png, log, (file, panels) -> {
            throw new RuntimeException("Fontconfig head is null, check your fonts or fonts configuration");
        });
        listener.epochEnded(state(), epoch(metrics));
        assertFalse(Files.exists(png));
        assertEquals("warning: could not draw " + png + " (java.lang.RuntimeException: Fontconfig head is null,"
                + " check your fonts or fonts configuration); metrics.csv has the numbers; training goes on\n",
                logged.toString(StandardCharsets.UTF_8));
    }

    @Test
    void runningOutOfMemoryIsNotSwallowed() throws IOException {
        MetricsLog metrics = new MetricsLog(dir.resolve("metrics.csv"));
        CurvesListener listener = new CurvesListener(metrics, dir.resolve("curves.png"), log, (file, panels) -> {
            throw new OutOfMemoryError("Java heap space");
        });
        EpochRecord record = epoch(metrics);
        assertThrows(OutOfMemoryError.class, () -> listener.epochEnded(state(), record));
    }
}
