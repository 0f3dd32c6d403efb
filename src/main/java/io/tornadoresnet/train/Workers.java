package io.tornadoresnet.train;

import java.io.IOException;

/**
 * The workers of a data-parallel run, as the trainer sees them: this worker's rank, their number,
 * and the element-wise mean over all of them, which every worker calls in the same order (the
 * distributed layer provides it from a collective). A run on its own is {@link #SINGLE}.
 */
public interface Workers {

    /** One worker alone: the mean is the data itself. */
    Workers SINGLE = new Workers() {
        @Override
        public int rank() {
            return 0;
        }

        @Override
        public int size() {
            return 1;
        }

        @Override
        public void averageInPlace(float[] data, int offset, int length) {
        }
    };

    int rank();

    int size();

    /** Replaces {@code data[offset .. offset+length)} by its mean over the workers; the same bits on each. */
    void averageInPlace(float[] data, int offset, int length) throws IOException;
}
