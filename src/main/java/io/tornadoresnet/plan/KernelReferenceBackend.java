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
        List<Runnable> calls = new ArrayList<>();
        for (Stage stage : plan.stages()) {
            for (Op op : stage.ops()) {
                for (KernelCall call : op.lower(Tensor::new)) {
                    calls.add(call.bind());
                }
            }
        }
        return new HostExecutable(plan, calls.toArray(new Runnable[0]));
    }

    @Override
    public void close() {
    }
}
