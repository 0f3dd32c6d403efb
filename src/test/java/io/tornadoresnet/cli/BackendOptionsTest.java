package io.tornadoresnet.cli;

import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class BackendOptionsTest {

    @Test
    void theReasonIsTheDeepestMessage() {
        Throwable wrapped = new InvocationTargetException(new ExceptionInInitializerError(
                new IllegalStateException("no OpenCL platform")));
        assertEquals("no OpenCL platform", BackendOptions.innermost(wrapped));
        assertEquals("java.lang.ExceptionInInitializerError",
                BackendOptions.innermost(new InvocationTargetException(new ExceptionInInitializerError())));
    }

    @Test
    void noTornadoBackendInThisBuildMeansNoDevices() {
        assumeTrue(System.getenv("TORNADOVM_HOME") == null, "a tornado build");
        assertEquals(0, BackendOptions.tornadoDevices().size());
    }
}
