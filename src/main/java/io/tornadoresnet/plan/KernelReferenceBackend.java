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
        List<Runnable> gradientCalls = new ArrayList<>();
        List<Runnable> updateCalls = new ArrayList<>();
        int updateStart = plan.updateStart() < 0 ? plan.stages().size() : plan.updateStart();
        for (int s = 0; s < plan.stages().size(); s++) {
            for (Op op : plan.stages().get(s).ops()) {
                for (KernelCall call : op.lower(Tensor::new)) {
                    (s < updateStart ? gradientCalls : updateCalls).add(call.bind());
                }
            }
        }
        return new HostExecutable(plan, gradientCalls.toArray(new Runnable[0]), updateCalls.toArray(new Runnable[0]));
    }

    @Override
    public void close() {
    }
}
