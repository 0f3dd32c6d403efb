package io.tornadoresnet.data;

import java.util.Objects;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;

/**
 * A loader that measures how long its caller waits for each batch: the time spent in
 * {@link #next()}, handed to {@code waited} in nanoseconds after each call. A loader that keeps up
 * has the next batch ready and the wait is close to nothing; one that falls behind the training
 * step shows it here, on the consumer's side, whatever its threads do.
 * Not thread-safe, as every {@link DataLoader}; closing it closes the loader it wraps.
 */
public final class TimedLoader extends ForwardingLoader {
    private final LongSupplier nanoClock;
    private final LongConsumer waited;

    /**
     * @param nanoClock a monotonic clock in nanoseconds ({@code System::nanoTime})
     * @param waited    hears the nanoseconds of each call to {@code next()}
     */
    public TimedLoader(DataLoader loader, LongSupplier nanoClock, LongConsumer waited) {
        super(loader);
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
        this.waited = Objects.requireNonNull(waited, "waited");
    }

    @Override
    public Batch next() {
        long start = nanoClock.getAsLong();
        Batch batch = loader.next();
        waited.accept(nanoClock.getAsLong() - start);
        return batch;
    }
}
