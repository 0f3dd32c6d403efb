package io.tornadoresnet.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** train --workers, --accumulate and --ghost-batch from the command line. */
class DataParallelCommandTest {

    private static MainTest.Run train(Path out, String... more) {
        String[] base = {"train", "--synthetic", "--model", "resnet8", "--input", "1x8x8", "--epochs", "1",
                "--batch", "64", "--limit-train", "512", "--limit-test", "128", "--threads", "2",
                "--out", out.toString(), "--json"};
        String[] args = new String[base.length + more.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return MainTest.run(args);
    }

    @Test
    void twoWorkersReportTheirFiguresAndOnlyRankZeroWrites(@TempDir Path dir) throws Exception {
        MainTest.Run r = train(dir.resolve("run"), "--workers", "2");
        assertEquals(0, r.status(), r.err());
        for (String key : new String[] {"\"workers\":2", "\"global_batch\":64", "\"allreduce_bytes_per_step\":",
                "\"allreduce_seconds\":", "\"replicas_identical\":true", "\"steps\":8"}) {
            assertTrue(r.json().contains(key), key + " in " + r.json());
        }
        assertFalse(r.json().contains("\"allreduce_bytes_per_step\":0,"), r.json());
        assertTrue(r.err().contains("x 2 workers"), r.err());
        assertEquals(1, r.err().split("epoch 1/1: train loss", -1).length - 1, "one progress log: " + r.err());
        assertEquals(2, Files.readAllLines(dir.resolve("run").resolve("metrics.csv")).size());
    }

    @Test
    void oneWorkerReportsNoAllReduce(@TempDir Path dir) {
        MainTest.Run r = train(dir.resolve("run"), "--accumulate", "4");
        assertEquals(0, r.status(), r.err());
        for (String key : new String[] {"\"workers\":1", "\"global_batch\":64", "\"micro_batches\":4",
                "\"allreduce_bytes_per_step\":0", "\"replicas_identical\":true"}) {
            assertTrue(r.json().contains(key), key + " in " + r.json());
        }
        assertFalse(r.err().contains("warning"), r.err());
    }

    @Test
    void batchesThatDoNotSplitAndMisplacedOptionsAreRefused(@TempDir Path dir) {
        MainTest.Run accumulate = train(dir.resolve("a"), "--accumulate", "3");
        assertEquals(2, accumulate.status());
        assertTrue(accumulate.err().contains("--accumulate 3: must divide batch 64 into equal parts"), accumulate.err());
        MainTest.Run exclusive = train(dir.resolve("b"), "--accumulate", "2", "--ghost-batch", "2");
        assertEquals(2, exclusive.status());
        assertTrue(exclusive.err().contains("exclude each other"), exclusive.err());
        MainTest.Run workers = train(dir.resolve("c"), "--workers", "3");
        assertEquals(2, workers.status());
        assertTrue(workers.err().contains("--workers 3: batch 64 does not split into 3 workers x 1 micro-batches: "
                + "make it a multiple of 3"), workers.err());
        MainTest.Run both = train(dir.resolve("f"), "--workers", "4", "--accumulate", "32");
        assertEquals(2, both.status());
        assertTrue(both.err().contains("make it a multiple of 128"), both.err());
        MainTest.Run devices = train(dir.resolve("d"), "--workers", "2", "--devices", "0:0,0:1");
        assertEquals(2, devices.status());
        assertTrue(devices.err().contains("--devices is for the tornado backend"), devices.err());
        assertEquals(2, train(dir.resolve("e"), "--workers", "0").status());
    }
}
