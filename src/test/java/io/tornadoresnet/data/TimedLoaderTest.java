package io.tornadoresnet.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The wait for batches is what the clock moved while the caller was in {@code next()}, and only that. */
class TimedLoaderTest {

    /** A clock that moves only when told to. */
    private static final class FakeClock {
        long nanos = 1_000_000_000L;
    }

    /**
     * Serves {@code batches} batches per epoch; fetching batch b moves the clock by {@code delays[b]}
     * nanoseconds, as a loader whose threads have not finished the batch makes its caller wait.
     */
    private static final class DelayingLoader implements DataLoader {
        private final FakeClock clock;
        private final long[] delays;
        private final Batch batch = new Batch(2, 3);
        private int next = -1;
        private boolean closed;

        DelayingLoader(FakeClock clock, long... delays) {
            this.clock = clock;
            this.delays = delays;
        }

        @Override
        public int batchSize() {
            return 2;
        }

        @Override
        public int batchesPerEpoch() {
            return delays.length;
        }

        @Override
        public void startEpoch(int epoch, int firstBatch) {
            next = firstBatch;
        }

        @Override
        public Batch next() {
            if (next == delays.length) {
                return null;
            }
            clock.nanos += delays[next];
            batch.set(2, next++);
            return batch;
        }

        @Override
        public int skippedFiles() {
            return 7;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private static List<Long> epoch(DataLoader loader, List<Long> waits) {
        loader.startEpoch(0);
        while (loader.next() != null) {
            // only the waits count here
        }
        return waits;
    }

    @Test
    void aLoaderThatDelaysShowsEachWait() {
        FakeClock clock = new FakeClock();
        List<Long> waits = new ArrayList<>();
        DataLoader loader = new TimedLoader(new DelayingLoader(clock, 30_000_000L, 0, 5_000_000L), () -> clock.nanos,
                waits::add);
        assertEquals(List.of(30_000_000L, 0L, 5_000_000L, 0L), epoch(loader, waits),
                "each batch's wait, then the call that finds the epoch over");
    }

    @Test
    void aLoaderThatKeepsUpShowsNoWait() {
        FakeClock clock = new FakeClock();
        List<Long> waits = new ArrayList<>();
        DataLoader loader = new TimedLoader(new DelayingLoader(clock, 0, 0, 0), () -> clock.nanos, waits::add);
        assertEquals(List.of(0L, 0L, 0L, 0L), epoch(loader, waits));
    }

    @Test
    void timeOutsideNextIsNotAWait() {
        FakeClock clock = new FakeClock();
        List<Long> waits = new ArrayList<>();
        DataLoader loader = new TimedLoader(new DelayingLoader(clock, 2, 3), () -> clock.nanos, waits::add);
        loader.startEpoch(0, 1);
        clock.nanos += 1_000_000_000L;
        Batch b = loader.next();
        clock.nanos += 1_000_000_000L;
        assertNull(loader.next());
        assertEquals(1, b.index());
        assertEquals(List.of(3L, 0L), waits, "the training step between the calls is not counted");
    }

    @Test
    void passesEverythingElseThrough() {
        FakeClock clock = new FakeClock();
        DelayingLoader inner = new DelayingLoader(clock, 0, 0, 0);
        DataLoader loader = new TimedLoader(inner, () -> clock.nanos, nanos -> { });
        assertEquals(2, loader.batchSize());
        assertEquals(3, loader.batchesPerEpoch());
        assertEquals(7, loader.skippedFiles());
        loader.startEpoch(0);
        assertSame(inner.batch, loader.next());
        loader.close();
        assertTrue(inner.closed);
    }
}
