package io.tornadoresnet.backend.jvm;

import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.KernelCall;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.plan.Stage;
import io.tornadoresnet.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs plans on the JVM's cores. Tensors live in their own float[]s, so there is nothing to copy
 * to or from a device. Each op runs as its kernels, on the calling thread.
 */
public final class JvmBackend implements Backend {
    private final int threads;

    public JvmBackend(int threads) {
        if (threads <= 0) {
            throw new IllegalArgumentException("threads must be positive, got " + threads);
        }
        this.threads = threads;
    }

    /** One thread per available core. */
    public JvmBackend() {
        this(Runtime.getRuntime().availableProcessors());
    }

    @Override
    public String name() {
        return "jvm";
    }

    @Override
    public String device() {
        return "JVM, " + threads + (threads == 1 ? " thread" : " threads");
    }

    @Override
    public Executable compile(Plan plan) {
        List<Runnable> steps = new ArrayList<>();
        for (Stage stage : plan.stages()) {
            for (Op op : stage.ops()) {
                for (KernelCall call : op.lower(Tensor::new)) {
                    steps.add(call::run);
                }
            }
        }
        Runnable[] program = steps.toArray(new Runnable[0]);
        return new Executable() {
            @Override
            public Plan plan() {
                return plan;
            }

            @Override
            public void run() {
                for (Runnable step : program) {
                    step.run();
                }
            }

            @Override
            public void pullModelState() {
            }

            @Override
            public void pushModelState() {
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public void close() {
    }
}
