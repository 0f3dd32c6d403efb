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

    /**
     * Java 17's JIT compiles the Vector API's masked operations (masked loads and stores,
     * {@code indexInRange}, two-vector rearranges) into calls that allocate a vector at each use; Java 25
     * compiles them to AVX-512 mask instructions (JEP 417 brought that in Java 18). On 17 the loops that
     * need them run plain Java instead, and Winograd's masked tiles are not used, so that a training step
     * allocates nothing there either. {@code -Dtornadoresnet.masks=false} takes that path on any Java, to
     * test it.
     */
    private static final boolean MASKS_COMPILED = Runtime.version().feature() >= 18
            && !"false".equalsIgnoreCase(System.getProperty("tornadoresnet.masks"));

    private VectorApi() {
    }

    static boolean available() {
        return AVAILABLE;
    }

    static boolean masksCompiled() {
        return MASKS_COMPILED;
    }
}
