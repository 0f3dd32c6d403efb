package io.tornadoresnet.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** metrics.csv's columns: the seconds waiting for data come last, after the columns older readers know. */
class MetricsLogTest {

    @Test
    void theDataWaitIsTheLastColumn(@TempDir Path dir) throws IOException {
        MetricsLog log = new MetricsLog(dir.resolve("metrics.csv"));
        EpochRecord row = new EpochRecord(2, 40, 0.05, 1.25, 0.5, 1.5, 0.625, 8.5, 37.5, 0, 3, 0.75);
        log.append(row);
        assertEquals(List.of("epoch,step,lr,train_loss,train_error,test_loss,test_error,images_per_s,seconds,skipped,"
                        + "skipped_files,data_wait_s", "2,40,0.05,1.25,0.5,1.5,0.625,8.5,37.5,0,3,0.75"),
                Files.readAllLines(log.file()));
        assertEquals(List.of(row), log.read());
    }

    @Test
    void filesWrittenBeforeTheColumnReadAsNoWait(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("metrics.csv");
        Files.writeString(file, "epoch,step,lr,train_loss,train_error,test_loss,test_error,images_per_s,seconds,"
                + "skipped,skipped_files\n1,20,0.1,2.0,0.75,2.5,0.875,9.0,35.5,1,2\n"
                + "2,40,0.1,1.5,0.5,2.0,0.75,9.5,33.5\n");
        assertEquals(List.of(new EpochRecord(1, 20, 0.1, 2.0, 0.75, 2.5, 0.875, 9.0, 35.5, 1, 2, 0),
                        new EpochRecord(2, 40, 0.1, 1.5, 0.5, 2.0, 0.75, 9.5, 33.5, 0, 0, 0)),
                new MetricsLog(file).read());
    }
}
