package io.tornadoresnet.cli;

import io.tornadoresnet.backend.jvm.JvmBackend;
import io.tornadoresnet.plan.Backend;

/** Opens the backend a command asks for with --backend, --threads and --device. */
final class Backends {
    static final String TORNADO_CLASS = "io.tornadoresnet.backend.tornado.TornadoBackend";

    private Backends() {
    }

    static Backend fromArgs(Args args) {
        String name = args.string("backend", "jvm");
        int threads = args.positiveInteger("threads", Runtime.getRuntime().availableProcessors());
        String device = args.string("device", null);
        return switch (name) {
            case "jvm" -> {
                if (device != null) {
                    throw new Args.UsageException("--device is for the tornado backend; the jvm backend takes --threads");
                }
                yield new JvmBackend(threads);
            }
            case "tornado" -> tornado(device);
            default -> throw new Args.UsageException("--backend takes jvm or tornado, got '" + name + "'");
        };
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
