package io.tornadoresnet.distributed;

import java.io.IOException;

/**
 * How the workers of one data-parallel run combine their gradients. Every worker calls the same
 * operations in the same order; each call returns once all workers have contributed, and every
 * worker then holds the same bits (the sums are formed in one order, whichever worker reads them).
 */
public interface Collective extends AutoCloseable {

    /** This worker's index, {@code 0 .. size()-1}. */
    int rank();

    /** Number of workers. */
    int size();

    /**
     * Replaces {@code data[offset .. offset+length)} on every worker by its element-wise mean over
     * the workers.
     *
     * @throws IOException when a peer fails or does not answer within the collective's timeout
     */
    void allReduceMean(float[] data, int offset, int length) throws IOException;

    @Override
    void close() throws IOException;
}
