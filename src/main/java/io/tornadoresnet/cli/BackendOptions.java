package io.tornadoresnet.cli;

import io.tornadoresnet.backend.jvm.JvmBackend;
import io.tornadoresnet.plan.Backend;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** --backend, --threads and --device: where a command runs its plans. */
final class BackendOptions {
    static final String TORNADO_CLASS = "io.tornadoresnet.backend.tornado.TornadoBackend";
    static final int MAX_THREADS = 1024;

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
        return name.equals("jvm") ? new JvmBackend(threads()) : tornado(device);
    }

    /** The tornado backend is compiled only with a TornadoVM SDK, so it is looked up by name. */
    private static Backend tornado(String device) {
        try {
            Class<?> type = Class.forName(TORNADO_CLASS);
            return (Backend) type.getConstructor(String.class).newInstance(device);
        } catch (ClassNotFoundException | NoClassDefFoundError e) {
            throw new IllegalStateException("this build has no tornado backend: build with a TornadoVM SDK "
                    + "(source tornado-env.sh, then scripts/resnet rebuilds with the tornadovm profile) "
                    + "and run through TornadoVM's JVM");
        } catch (ReflectiveOperationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("cannot start the tornado backend: " + cause.getMessage(), cause);
        }
    }
}
