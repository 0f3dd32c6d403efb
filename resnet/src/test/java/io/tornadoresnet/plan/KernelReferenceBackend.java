package io.tornadoresnet.plan;

import io.tornadoresnet.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/** The definition every backend is held to: each op lowered to its kernels, run in order on one thread. */
public final class KernelReferenceBackend implements Backend {

    @Override
    public String name() {
        return "kernels";
    }

    @Override
    public String device() {
        return "JVM, plain kernels";
    }

    @Override
    public Executable compile(Plan plan) {
        List<KernelCall> calls = new ArrayList<>();
        for (Stage stage : plan.stages()) {
            for (Op op : stage.ops()) {
                calls.addAll(op.lower(Tensor::new));
            }
        }
        return new Executable() {
            @Override
            public Plan plan() {
                return plan;
            }

            @Override
            public void run() {
                calls.forEach(KernelCall::run);
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
