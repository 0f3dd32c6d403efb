package io.tornadoresnet.distributed;

import io.tornadoresnet.data.Dataset;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.train.Recipe;
import io.tornadoresnet.train.StopSignal;
import io.tornadoresnet.train.Trainer;
import io.tornadoresnet.train.Workers;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Synchronous data-parallel training with DistributedDataParallel's semantics: each worker holds a
 * replica, trains on its share of every global batch (the recipe's batch), averages its gradients
 * with the others' through a {@link Collective} and applies the same update, so the replicas stay
 * identical. Batch-norm statistics are each worker's own; the running statistics are averaged
 * whenever the state is read (checkpoints, evaluation, the end). Rank 0 alone writes the run's
 * folder (checkpoints, metrics.csv, curves) and draws the progress bar.
 */
public final class DataParallel {
    private DataParallel() {
    }

    /**
     * Runs one worker's part of a data-parallel run: the call every worker makes, whether it is a
     * thread of this process ({@link LocalWorkers}) or a task on another machine. Every worker
     * passes the same recipe, data and folder; a run resumed from a checkpoint of N workers must
     * keep N and the recipe's batch. Only rank 0 writes {@code out}; every worker reads
     * {@code resume}, which must therefore be a path each of them can open.
     *
     * @param replica    this worker's own model (not shared with another worker); initialised here,
     *                   or loaded from {@code resume}
     * @param backend    this worker's own backend (its threads, or its device)
     * @param collective this worker's rank among the workers, and how gradients are averaged
     * @param out        the run's folder, written by rank 0 only
     * @param resume     a checkpoint to continue from, or null
     * @return the run's result (the test figures of all workers together) with the data-parallel
     *         figures in {@link Trainer.Result#parallel()}
     * @throws IOException when a peer fails or times out, or a file cannot be read or written
     */
    public static Trainer.Result trainWorker(Recipe recipe, ResNet replica, Backend backend, Dataset train,
                                             Dataset test, Collective collective, Path out, Path resume,
                                             PrintStream log, boolean redraw, StopSignal stop) throws IOException {
        return new Trainer(recipe, replica, backend, train, test, out, log, redraw)
                .withWorkers(workers(collective))
                .run(resume, stop);
    }

    /** The collective as the trainer sees its fellow workers. */
    static Workers workers(Collective collective) {
        return new Workers() {
            @Override
            public int rank() {
                return collective.rank();
            }

            @Override
            public int size() {
                return collective.size();
            }

            @Override
            public void averageInPlace(float[] data, int offset, int length) throws IOException {
                collective.allReduceMean(data, offset, length);
            }
        };
    }
}
