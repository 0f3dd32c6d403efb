package io.tornadoresnet.train;

import sun.misc.Signal;
import sun.misc.SignalHandler;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Asks a run to stop at the next step boundary, so that it can write a checkpoint of its last
 * whole step. {@link #onInterrupt} turns Ctrl-C (SIGINT) and SIGTERM into such a request; the
 * same signal a second time quits at once, as it would have without this.
 *
 * <p>It uses {@code sun.misc.Signal} (module jdk.unsupported, in every OpenJDK build and kept
 * available on purpose) rather than a shutdown hook: a hook runs while the JVM is already going
 * down, cannot choose the exit status, and would have to wait for the training thread from
 * another thread. With a handler the training thread itself finishes its step, writes the
 * checkpoint and returns, and the command exits with 128 + the signal's number (130 for Ctrl-C).
 * Where a signal cannot be handled (a JVM run with -Xrs) it keeps its default effect; where it was
 * ignored when the process started, it stays ignored, and the run says so.
 */
public final class StopSignal implements AutoCloseable {
    private static final Map<String, Integer> NUMBERS = Map.of("INT", 2, "TERM", 15);

    private final List<Runnable> restore = new ArrayList<>();
    private volatile String signal;

    private StopSignal() {
    }

    /** A stop that only {@link #request} triggers. */
    public static StopSignal manual() {
        return new StopSignal();
    }

    /** A stop that SIGINT and SIGTERM trigger, until {@link #close()}. */
    public static StopSignal onInterrupt(PrintStream log) {
        StopSignal stop = new StopSignal();
        for (String name : NUMBERS.keySet()) {
            Signal signal = new Signal(name);
            try {
                sun.misc.SignalHandler[] previous = new sun.misc.SignalHandler[1];
                previous[0] = Signal.handle(signal, s -> {
                    if (stop.requested()) {
                        previous[0].handle(s);
                    } else {
                        log.println();
                        log.println("SIG" + name + ": stopping after the current step to write a checkpoint ("
                                + (name.equals("INT") ? "Ctrl-C" : "the signal") + " again quits at once)");
                        stop.request(name);
                    }
                });
                if (previous[0] == SignalHandler.SIG_IGN) {
                    // Ignored when the process started (a background job of a shell without job control, as
                    // in a script): the JVM then keeps it ignored and installs no handler.
                    log.println("note: SIG" + name + " is ignored in this process (a script's background job, for"
                            + " instance); it will not stop the run");
                    continue;
                }
                stop.restore.add(() -> Signal.handle(signal, previous[0]));
            } catch (IllegalArgumentException e) {
                log.println("note: SIG" + name + " cannot be handled here (" + e.getMessage()
                        + "); it will end the run without a checkpoint");
            }
        }
        return stop;
    }

    /** Asks the run to stop, as the named signal ({@code INT} or {@code TERM}) would. */
    public void request(String signalName) {
        if (!NUMBERS.containsKey(signalName)) {
            throw new IllegalArgumentException("stop by INT or TERM, not " + signalName);
        }
        signal = signalName;
    }

    public boolean requested() {
        return signal != null;
    }

    /** The shell's exit status of a process ended by the signal: 128 + its number (130 for SIGINT). */
    public int exitStatus() {
        if (signal == null) {
            throw new IllegalStateException("no stop was requested");
        }
        return 128 + NUMBERS.get(signal);
    }

    /** Gives the signals back their previous handlers. */
    @Override
    public void close() {
        restore.forEach(Runnable::run);
        restore.clear();
    }
}
