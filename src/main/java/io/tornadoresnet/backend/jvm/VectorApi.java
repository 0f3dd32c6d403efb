package io.tornadoresnet.backend.jvm;

/**
 * Whether the incubating Vector API may be used. It is present only when the JVM was started with
 * {@code --add-modules jdk.incubator.vector}; a plain {@code java -jar} lacks it. Classes that touch
 * the Vector API are loaded only after this check says yes, so that their absence never fails a
 * class load. {@code -Dtornadoresnet.vector=false} forces the scalar code, to compare the two.
 */
final class VectorApi {
    private static final boolean AVAILABLE =
            ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()
                    && !"false".equalsIgnoreCase(System.getProperty("tornadoresnet.vector"));

    private VectorApi() {
    }

    static boolean available() {
        return AVAILABLE;
    }
}
