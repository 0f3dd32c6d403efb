package io.tornadoresnet.check;

import java.util.List;

/**
 * The checks of one backend on one device, in the order they must run. Closing the suite
 * releases what its checks compiled.
 */
public interface CheckSuite extends AutoCloseable {

    /** The backend and device checked, for reports. */
    String device();

    List<Check> checks();

    @Override
    void close();
}
