package io.tornadoresnet.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/** metrics.csv of a run: one row per epoch, appended as soon as the epoch ends. */
public final class MetricsLog {
    private final Path file;

    public MetricsLog(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /** Appends a row (writing the header first for a new file) and syncs it to disk. */
    public void append(EpochRecord record) throws IOException {
        String text = (Files.exists(file) ? "" : EpochRecord.HEADER + "\n") + record.csv() + "\n";
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.SYNC);
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
        List<EpochRecord> keep = read().stream().filter(r -> r.epoch() <= epoch).toList();
        StringBuilder text = new StringBuilder(EpochRecord.HEADER).append('\n');
        keep.forEach(r -> text.append(r.csv()).append('\n'));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
