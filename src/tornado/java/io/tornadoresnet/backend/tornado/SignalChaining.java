package io.tornadoresnet.backend.tornado;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Whether the JDK's signal-chaining library, libjsig, is loaded in this JVM. OpenCL drivers built
 * on LLVM (PoCL) install LLVM's crash handlers for SIGSEGV, SIGBUS, SIGFPE, SIGILL and SIGUSR2 in
 * place of HotSpot's, as one-shot handlers (SA_RESETHAND). HotSpot takes SIGSEGV for its safepoint
 * polls, so once the driver has compiled a kernel, two threads that reach a safepoint together kill
 * the process with SIGSEGV and no hs_err file. Preloaded ({@code LD_PRELOAD=$JAVA_HOME/lib/libjsig.so},
 * as the launch scripts do), libjsig keeps the JVM's handlers installed and chains the driver's behind them.
 */
final class SignalChaining {
    static final String LIBRARY = "libjsig.so";
    private static final Path MAPS = Path.of("/proc/self/maps");

    private SignalChaining() {
    }

    /** True when libjsig is mapped into this process, or when the process map cannot be read (not Linux). */
    static boolean active() {
        if (!Files.isReadable(MAPS)) {
            return true;
        }
        try (Stream<String> lines = Files.lines(MAPS)) {
            return mapsLibjsig(lines);
        } catch (IOException | UncheckedIOException e) {
            return true;
        }
    }

    /** Whether lines of /proc/PID/maps map a file named libjsig.so. */
    static boolean mapsLibjsig(Stream<String> mapsLines) {
        return mapsLines.anyMatch(line -> line.endsWith("/" + LIBRARY));
    }

    /** What to do when it is not active, for a warning. */
    static String advice() {
        return "libjsig.so is not preloaded: an OpenCL driver built on LLVM (PoCL) may replace the JVM's SIGSEGV "
                + "handler and the JVM may then die of SIGSEGV at a safepoint; start java with LD_PRELOAD="
                + Path.of(System.getProperty("java.home"), "lib", LIBRARY) + " (scripts/resnet and the bundle do)";
    }
}
