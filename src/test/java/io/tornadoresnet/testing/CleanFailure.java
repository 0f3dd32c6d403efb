package io.tornadoresnet.testing;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * The contract every reader keeps with any input: it returns a result, or it throws its own clean
 * exception whose message is one line starting with the file; never another exception, an error
 * (out of memory included) or a hang, and never an allocation the file's size does not justify.
 */
public final class CleanFailure {
    /** Far above any healthy read of the small files the properties make: only a hang reaches it. */
    private static final Duration HANG = Duration.ofSeconds(30);

    private CleanFailure() {
    }

    /**
     * Runs {@code reader}: its result, or empty when it failed with {@code clean} and a one-line
     * message that starts with {@code prefix}. At most {@code maxAllocatedBytes} may be allocated
     * on the reading thread (where the JVM counts it).
     */
    public static <T> Optional<T> read(Callable<T> reader, Class<? extends Exception> clean, String prefix,
            long maxAllocatedBytes) {
        return assertTimeoutPreemptively(HANG, () -> {
            long before = allocatedBytes();
            Optional<T> result;
            try {
                result = Optional.of(reader.call());
            } catch (Throwable e) {
                if (!clean.isInstance(e)) {
                    fail("expected a result or " + clean.getSimpleName() + ", got " + e, e);
                }
                assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
                assertFalse(e.getMessage().contains("\n"), e.getMessage());
                result = Optional.empty();
            }
            long allocated = allocatedBytes() - before;
            assertTrue(before < 0 || allocated <= maxAllocatedBytes,
                    "allocated " + allocated + " bytes, more than " + maxAllocatedBytes);
            return result;
        }, "the reader hung");
    }

    /** Bytes allocated so far by this thread, or -1 where the JVM does not count them. */
    private static long allocatedBytes() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads
                && threads.isThreadAllocatedMemoryEnabled()) {
            return threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        }
        return -1;
    }
}
