package io.tornadoresnet.distributed;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Who the workers of one run are: this worker's rank, how many there are, and where each one listens.
 * A ring collective binds its listening socket first ({@link #bindAddress()}), then publishes the bound
 * address and learns everyone else's ({@link #exchange}).
 */
public interface Rendezvous {

    /** This worker's index, {@code 0 .. size()-1}. */
    int rank();

    /** Number of workers. */
    int size();

    /** Where this worker listens; port 0 asks for any free port. */
    InetSocketAddress bindAddress();

    /**
     * Publishes this worker's listening address and returns every worker's, indexed by rank. Blocks
     * until all workers have published theirs.
     *
     * @param listening the address this worker's socket is bound to, as the other workers reach it
     */
    List<InetSocketAddress> exchange(InetSocketAddress listening) throws IOException;
}
