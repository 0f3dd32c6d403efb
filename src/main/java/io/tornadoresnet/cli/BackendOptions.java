package io.tornadoresnet.cli;

import io.tornadoresnet.backend.jvm.JvmBackend;
import io.tornadoresnet.check.BackendChecks;
import io.tornadoresnet.check.CheckSuite;
import io.tornadoresnet.plan.Backend;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.List;

/** --backend, --threads and --device: where a command runs its plans. */
final class BackendOptions {
    static final String TORNADO_CLASS = "io.tornadoresnet.backend.tornado.TornadoBackend";
    static final String TORNADO_CHECKS_CLASS = "io.tornadoresnet.backend.tornado.check.TornadoChecks";
    static final String TORNADO_DEVICES_CLASS = "io.tornadoresnet.backend.tornado.TornadoDevices";
    static final int MAX_THREADS = 1024;
    static final String NO_TORNADO = "this build has no tornado backend: build with a TornadoVM SDK "
            + "(source tornado-env.sh, then scripts/resnet rebuilds with the tornadovm profile) "
            + "and run through TornadoVM's JVM";

    @Spec(Spec.Target.MIXEE)
    private CommandSpec spec;

    @Option(names = "--backend", paramLabel = "jvm|tornado",
            description = "jvm (the plain JVM, always there) or tornado (TornadoVM's devices; scripts/resnet then "
                    + "starts TornadoVM's JVM). Default: --set backend=..., for train the task's backend, else jvm.")
    private String backend;

    @Option(names = "--threads", paramLabel = "N",
            description = "Worker threads of the jvm backend, 1 to " + MAX_THREADS + ". Default: one per core.")
    private Integer threads;

    @Option(names = "--device", paramLabel = "D:N",
            description = "TornadoVM's backend:device index for the tornado backend. Default: TornadoVM's default device.")
    private String device;

    /** The --backend given, or the fallback (a recipe's backend). */
    String name(String fallback) {
        return backend != null ? backend : fallback;
    }

    /** The --backend given, or the fallback, once {@link #check} has passed it. */
    String checkedName(String fallback) {
        String name = name(fallback);
        check(name);
        return name;
    }

    int threads() {
        return threads == null ? Runtime.getRuntime().availableProcessors()
                : Usage.range(spec, "--threads", threads, 1, MAX_THREADS);
    }

    /** Checks the options against the backend they would open; a mistake is a usage error. */
    void check(String name) {
        switch (name) {
            case "jvm" -> {
                if (device != null) {
                    throw Usage.error(spec, "--device is for the tornado backend; the jvm backend takes --threads");
                }
                threads();
            }
            case "tornado" -> {
                if (threads != null) {
                    throw Usage.error(spec, "--threads is for the jvm backend; the tornado backend takes --device");
                }
            }
            default -> throw Usage.error(spec, "--backend " + name + ": must be jvm or tornado");
        }
    }

    Backend open(String name) {
        check(name);
        return name.equals("jvm") ? new JvmBackend(threads()) : tornado(TORNADO_CLASS, Backend.class, device);
    }

    /** The backend and device given, as a backend that runs on the device named by {@code deviceSpec}. */
    Backend open(String name, String deviceSpec) {
        return name.equals("jvm") ? new JvmBackend(threads()) : tornado(TORNADO_CLASS, Backend.class, deviceSpec);
    }

    /**
     * The backend of worker {@code rank} of {@code workers} in one process: on the jvm backend its
     * share of the threads, on tornado the rank-th device of {@code devices} (cycling), or --device.
     */
    Backend openWorker(String name, int rank, int workers, List<String> devices) {
        if (name.equals("jvm")) {
            return new JvmBackend(Math.max(1, threads() / workers));
        }
        return tornado(TORNADO_CLASS, Backend.class, devices == null ? device : devices.get(rank % devices.size()));
    }

    /**
     * The backend of a worker that has a machine's share to itself (a Spark task): on the jvm backend
     * --threads threads, by default {@code taskCpus}; on tornado as {@link #openWorker}.
     */
    Backend openTaskWorker(String name, int rank, int taskCpus, List<String> devices) {
        if (name.equals("jvm")) {
            return new JvmBackend(threads == null ? taskCpus : threads());
        }
        return openWorker(name, rank, 1, devices);
    }

    /** The conformance checks of a backend: the host checks for jvm, the device checks for tornado. */
    CheckSuite checks(String name) {
        check(name);
        return name.equals("jvm") ? new BackendChecks(new JvmBackend(threads()))
                : tornado(TORNADO_CHECKS_CLASS, CheckSuite.class, device);
    }

    /** TornadoVM's devices as "driver:device", in TornadoVM's order; none when this build has no tornado backend. */
    @SuppressWarnings("unchecked")
    static List<String> tornadoDevices() {
        try {
            return (List<String>) Class.forName(TORNADO_DEVICES_CLASS).getMethod("all").invoke(null);
        } catch (ClassNotFoundException | NoClassDefFoundError e) {
            return List.of();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot list TornadoVM's devices: " + innermost(e), e);
        }
    }

    /** The tornado backend is compiled only with a TornadoVM SDK, so its classes are looked up by name. */
    private static <T> T tornado(String className, Class<T> type, String device) {
        try {
            Class<?> found = Class.forName(className);
            return type.cast(found.getConstructor(String.class).newInstance(device));
        } catch (ClassNotFoundException | NoClassDefFoundError e) {
            throw new IllegalStateException(NO_TORNADO);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot start the tornado backend: " + innermost(e), e);
        }
    }

    /** The message of the deepest cause that has one (TornadoVM's start-up failures arrive wrapped twice). */
    static String innermost(Throwable e) {
        String message = e.toString();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getMessage() != null) {
                message = t.getMessage();
            } else if (t.getCause() == null) {
                message = t.toString();
            }
        }
        return message;
    }
}
