package io.tornadoresnet.distributed.spark;

import io.tornadoresnet.distributed.Collective;
import io.tornadoresnet.distributed.WorkerTask;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Workers as the tasks of a Spark barrier stage on local[2], one Spark context for the whole class; a
 * failed stage is tried once more.
 */
class SparkWorkersTest {
    private static final Duration RING_TIMEOUT = Duration.ofSeconds(30);
    private static SparkContext spark;

    @BeforeAll
    static void startSpark() {
        spark = new SparkContext(new SparkConf()
                .setMaster("local[2]")
                .setAppName("SparkWorkersTest")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.stage.maxConsecutiveAttempts", "2"));
    }

    @AfterAll
    static void stopSpark() {
        if (spark != null) {
            spark.stop();
        }
    }

    record Report(int rank, int size, float[] data) implements Serializable {
    }

    /** Fills an array of args[0] floats from the rank, all-reduces it and reports the result. */
    static final class AllReduce implements WorkerTask<Report> {
        @Override
        public Report run(Collective collective, String[] args) throws IOException {
            float[] data = input(collective.rank(), Integer.parseInt(args[0]));
            collective.allReduceMean(data, 0, data.length);
            return new Report(collective.rank(), collective.size(), data);
        }
    }

    /** Multiples of 1/8, so that the sum of two is exact. */
    static float[] input(int rank, int length) {
        float[] data = new float[length];
        for (int i = 0; i < length; i++) {
            data[i] = ((i * 5 + rank * 11) % 37 - 18) / 8f;
        }
        return data;
    }

    @Test
    void theTasksOfABarrierStageAllReduceThroughTheRing() {
        int length = 100_001;
        List<Report> reports = SparkWorkers.run(spark, 2, new AllReduce(), new String[] {String.valueOf(length)},
                RING_TIMEOUT);
        assertEquals(2, reports.size());
        float[] first = input(0, length);
        float[] second = input(1, length);
        float[] mean = new float[length];
        for (int i = 0; i < length; i++) {
            mean[i] = (first[i] + second[i]) / 2;
        }
        for (int rank = 0; rank < 2; rank++) {
            assertEquals(rank, reports.get(rank).rank());
            assertEquals(2, reports.get(rank).size());
            assertArrayEquals(mean, reports.get(rank).data(), "worker " + rank);
        }
    }

    /** Worker 1 fails before its first all-reduce; worker 0 waits for it in vain. */
    static final class SecondWorkerFails implements WorkerTask<Report> {
        @Override
        public Report run(Collective collective, String[] args) throws IOException {
            if (collective.rank() == 1) {
                throw new IOException("worker 1 ran out of data");
            }
            float[] data = new float[10];
            collective.allReduceMean(data, 0, data.length);
            return new Report(collective.rank(), collective.size(), data);
        }
    }

    /** Whichever task Spark reports first, its message carries worker 1's reason. */
    @Test
    void aFailingWorkerFailsTheStageWithItsMessage() {
        Exception failure = assertThrows(Exception.class,
                () -> SparkWorkers.run(spark, 2, new SecondWorkerFails(), new String[0], RING_TIMEOUT));
        assertTrue(failure.getMessage().contains("worker 1 ran out of data"), failure.getMessage());
    }

    /** Worker 1 fails in the stage's first attempt only; reports the attempt that succeeded. */
    static final class FailsOnTheFirstAttempt implements WorkerTask<Report> {
        @Override
        public Report run(Collective collective, String[] args) throws IOException {
            int attempt = BarrierTaskContext.get().stageAttemptNumber();
            if (attempt == 0 && collective.rank() == 1) {
                throw new IOException("worker 1 lost its device");
            }
            float[] data = {collective.rank(), attempt};
            collective.allReduceMean(data, 0, data.length);
            return new Report(collective.rank(), collective.size(), data);
        }
    }

    @Test
    void sparkRestartsTheWholeStageWhenATaskFails() {
        List<Report> reports = SparkWorkers.run(spark, 2, new FailsOnTheFirstAttempt(), new String[0], RING_TIMEOUT);
        for (Report report : reports) {
            assertArrayEquals(new float[] {0.5f, 1f}, report.data(), "worker " + report.rank());
        }
    }

    /** Reports the GPUs Spark gave the task. */
    static final class Gpus implements WorkerTask<ArrayList<String>> {
        @Override
        public ArrayList<String> run(Collective collective, String[] args) {
            return new ArrayList<>(SparkWorkers.assignedGpus());
        }
    }

    /** Local mode schedules no task resources, so this checks the case without GPUs only. */
    @Test
    void tasksThatAskedForNoGpusHaveNone() {
        List<ArrayList<String>> gpus = SparkWorkers.run(spark, 2, new Gpus(), new String[0], RING_TIMEOUT);
        assertEquals(List.of(List.of(), List.of()), gpus);
    }

    @Test
    void gpusAreOnlyAssignedInsideATask() {
        assertThrows(IllegalStateException.class, SparkWorkers::assignedGpus);
    }

    @Test
    void oneWorkerRunsWithoutPeers() {
        List<Report> reports = SparkWorkers.run(spark, 1, new AllReduce(), new String[] {"3"}, RING_TIMEOUT);
        assertEquals(1, reports.size());
        assertArrayEquals(input(0, 3), reports.get(0).data());
    }
}
