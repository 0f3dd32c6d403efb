package io.tornadoresnet.train;

import io.tornadoresnet.io.AtomicFile;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * metrics.csv of a run: one row per epoch, written as soon as the epoch ends. Every write
 * replaces the file atomically, so that a run killed at any moment leaves whole rows.
 */
public final class MetricsLog implements TrainingListener {
    private final Path file;

    public MetricsLog(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /** A fresh run starts an empty log; a resumed one drops the rows after its checkpoint's epoch. */
    @Override
    public void runStarted(TrainingState state) throws IOException {
        if (state.resumed()) {
            truncateAfter(state.epoch());
        } else {
            Files.deleteIfExists(file);
        }
    }

    @Override
    public void epochEnded(TrainingState state, EpochRecord record) throws IOException {
        append(record);
    }

    /** Appends a row (writing the header first for a new file). */
    public void append(EpochRecord record) throws IOException {
        List<EpochRecord> rows = read();
        rows.add(record);
        write(rows);
    }

    /** The rows so far; none when the file does not exist. */
    public List<EpochRecord> read() throws IOException {
        List<EpochRecord> rows = new ArrayList<>();
        if (!Files.exists(file)) {
            return rows;
        }
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank() && !line.startsWith("epoch")) {
                rows.add(EpochRecord.parse(line));
            }
        }
        return rows;
    }

    /** Keeps only the rows up to and including the given epoch (a resumed run rewrites what follows). */
    public void truncateAfter(int epoch) throws IOException {
        write(read().stream().filter(r -> r.epoch() <= epoch).toList());
    }

    private void write(List<EpochRecord> rows) throws IOException {
        StringBuilder text = new StringBuilder(EpochRecord.HEADER).append('\n');
        rows.forEach(r -> text.append(r.csv()).append('\n'));
        AtomicFile.writeString(file, text);
    }
}
