package io.tornadoresnet.plan;

import io.tornadoresnet.tensor.Tensor;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays a plan's steps on paper, buffer by buffer: which tensor each buffer holds after every
 * write. A read of a tensor whose buffer was last written for another tensor is a live tensor
 * overwritten, which buffer sharing must never cause. A step is a group of ops run as one (a
 * backend's fused chain: what its ops read from outside the group is read when the group runs, what
 * they write is written then); the plan's steps are replayed twice, so that values carried from one
 * step to the next (weights, momentum) count too.
 */
public final class BufferHistory {
    private final Map<float[], Tensor> holder = new IdentityHashMap<>();
    private final Map<float[], String> writer = new IdentityHashMap<>();
    private final List<String> overwrites = new ArrayList<>();

    private BufferHistory() {
    }

    /** Each op alone, in plan order. */
    public static List<List<Op>> planOrder(Plan plan) {
        List<List<Op>> steps = new ArrayList<>();
        plan.stages().forEach(stage -> stage.ops().forEach(op -> steps.add(List.of(op))));
        return steps;
    }

    /** Every read of a tensor whose buffer then held another one, described; empty when there is none. */
    public static List<String> overwrittenReads(List<List<Op>> steps) {
        BufferHistory history = new BufferHistory();
        Map<Op, List<KernelCall>> lowered = new IdentityHashMap<>();
        for (int round = 1; round <= 2; round++) {
            for (List<Op> step : steps) {
                history.run(step, lowered, round);
            }
        }
        return history.overwrites;
    }

    private void run(List<Op> step, Map<Op, List<KernelCall>> lowered, int round) {
        Map<Tensor, String> writtenHere = new IdentityHashMap<>();
        for (Op op : step) {
            for (KernelCall call : lowered.computeIfAbsent(op, o -> o.lower(Tensor::new))) {
                for (int a = 0; a < call.args().length; a++) {
                    if (call.args()[a] instanceof Tensor t && call.kernel().reads(a) && !writtenHere.containsKey(t)) {
                        Tensor held = holder.get(t.data());
                        if (held != null && held != t) {
                            overwrites.add("step " + round + ": " + call.kernel() + " of " + call.name() + " reads "
                                    + t.name() + ", whose buffer holds " + held.name() + " (written by "
                                    + writer.get(t.data()) + ")");
                        }
                    }
                }
                for (int a = 0; a < call.args().length; a++) {
                    if (call.args()[a] instanceof Tensor t && call.kernel().writes(a)) {
                        writtenHere.put(t, call.kernel() + " of " + call.name());
                    }
                }
            }
        }
        writtenHere.forEach((t, by) -> {
            holder.put(t.data(), t);
            writer.put(t.data(), by);
        });
    }
}
