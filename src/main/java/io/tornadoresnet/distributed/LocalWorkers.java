package io.tornadoresnet.distributed;

import io.tornadoresnet.data.Dataset;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.train.Recipe;
import io.tornadoresnet.train.StopSignal;
import io.tornadoresnet.train.Trainer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * N data-parallel workers as threads of this process, each with its own replica and backend,
 * averaging through an {@link InMemoryCollective}. A worker that fails aborts the others at once;
 * the first failure is the one reported.
 */
public final class LocalWorkers {
    /** How long a worker waits at an all-reduce: long enough for a slow step, short enough to see a hang. */
    public static final Duration TIMEOUT = Duration.ofMinutes(30);

    private LocalWorkers() {
    }

    /**
     * Trains with {@code workers} threads and returns rank 0's result.
     *
     * @param replicas makes each worker's own model
     * @param backends opens worker r's backend; each is closed when its worker ends
     */
    public static Trainer.Result train(int workers, Recipe recipe, Supplier<ResNet> replicas,
                                       IntFunction<Backend> backends, Dataset train, Dataset test, Path out,
                                       Path resume, PrintStream log, boolean redraw, StopSignal stop)
            throws IOException {
        InMemoryCollective.Group group = new InMemoryCollective.Group(workers, TIMEOUT);
        Trainer.Result[] results = new Trainer.Result[workers];
        Throwable[] thrown = new Throwable[workers];
        AtomicReference<Throwable> first = new AtomicReference<>();
        Thread[] threads = new Thread[workers];
        for (int r = 0; r < workers; r++) {
            int rank = r;
            threads[r] = new Thread(() -> {
                try (Backend backend = backends.apply(rank); Collective collective = group.member(rank)) {
                    results[rank] = DataParallel.trainWorker(recipe, replicas.get(), backend, train, test, collective,
                            out, resume, log, redraw && rank == 0, stop);
                } catch (Trainer.StoppedException e) {
                    thrown[rank] = e;
                } catch (Throwable t) {
                    thrown[rank] = t;
                    if (first.compareAndSet(null, t)) {
                        group.abort("worker " + rank + " failed: " + t.getMessage());
                    }
                }
            }, "data-parallel-worker-" + r);
            threads[r].start();
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                group.abort("interrupted");
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the workers", e);
            }
        }
        Throwable failure = first.get() != null ? first.get() : thrown[0];
        if (failure instanceof IOException e) {
            throw e;
        }
        if (failure instanceof RuntimeException e) {
            throw e;
        }
        if (failure instanceof Error e) {
            throw e;
        }
        if (failure != null) {
            throw new IOException(failure.getMessage(), failure);
        }
        return results[0];
    }
}
