package io.tornadoresnet.backend.tornado;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SignalChainingTest {
    private static final String JVM = "7f32f4000000-7f32f5000000 r-xp 00000000 fe:00 328700 "
            + "/usr/lib/jvm/temurin-25-jdk-amd64/lib/server/libjvm.so";
    private static final String JSIG = "7f89ed5c8000-7f89ed5c9000 r-xp 00001000 fe:00 328715 "
            + "/usr/lib/jvm/temurin-25-jdk-amd64/lib/libjsig.so";

    @Test
    void findsLibjsigInTheProcessMap() {
        assertTrue(SignalChaining.mapsLibjsig(Stream.of(JVM, JSIG, "7ffd4c0a5000-7ffd4c0c6000 rw-p 00000000 00:00 0 [stack]")));
    }

    @Test
    void aMapWithoutLibjsigOrWithALookalikeIsNotChained() {
        assertFalse(SignalChaining.mapsLibjsig(Stream.of(JVM)));
        assertFalse(SignalChaining.mapsLibjsig(Stream.of(JVM.replace("libjvm.so", "notlibjsig.so"))));
        assertFalse(SignalChaining.mapsLibjsig(Stream.of(JVM.replace("libjvm.so", "libjsig.so.1"))));
    }

    /** TornadoVM's test JVM (the profile's tornado-conformance execution) preloads it, as the launch scripts do. */
    @Test
    void tornadoTestJvmChainsSignals() {
        Assumptions.assumeTrue(System.getProperty("tornado.load.api.implementation") != null,
                "not in TornadoVM's JVM (runs in the tornado-conformance execution)");
        assertTrue(SignalChaining.active(), SignalChaining.advice());
    }

    @Test
    void theAdviceNamesThisJdksLibrary() {
        assertTrue(SignalChaining.advice().contains(System.getProperty("java.home") + "/lib/libjsig.so"));
    }
}
