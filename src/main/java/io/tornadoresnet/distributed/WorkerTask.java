package io.tornadoresnet.distributed;

import java.io.Serializable;

/**
 * What one data-parallel worker does, wherever it runs: a thread of this process or a task of a Spark
 * barrier stage. It is serialized to the machine that runs it, so it carries its configuration in
 * {@code args} (or in serializable fields) rather than in references to objects of the caller.
 *
 * @param <R> what each worker reports back, collected in rank order
 */
@FunctionalInterface
public interface WorkerTask<R extends Serializable> extends Serializable {

    /**
     * Runs this worker's part of the job.
     *
     * @param collective connects this worker to the others; the caller opens and closes it
     * @param args       the same arguments on every worker
     */
    R run(Collective collective, String[] args) throws Exception;
}
