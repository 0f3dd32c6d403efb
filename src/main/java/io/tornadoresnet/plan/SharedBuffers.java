package io.tornadoresnet.plan;

import io.tornadoresnet.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The memory plan of a plan's own tensors: tensors whose lifetimes do not overlap share one buffer,
 * as long as the largest of them. A tensor lives from the first op that touches it to the last, in
 * plan order; every op overwrites what it writes, so a buffer may pass from a dead tensor to the
 * next one without being cleared.
 *
 * <p>Backends run the ops in plan order, with one freedom: an op may run as late as the next op of its
 * stage that touches a tensor it writes, when that op works element by element (batch norm, its
 * gradient, a residual add, ReLU, its gradient), together with it; and so on down such a chain, as
 * the JVM backend's fused chains of a convolution, batch norm, residual add and ReLU, or of the
 * gradients of a residual add, ReLU and batch norm, do. So every tensor an op touches lives on until
 * the last op the op may be delayed to.
 *
 * <p>Tensors that are not shared: the ones the caller pins (the input, the learning rate, the
 * outputs), any tensor that an op reads before one writes it (it carries a value from one step to
 * the next), and tensors that no op touches. Buffers are assigned greedily, the largest tensors
 * first, each to the smallest buffer free over its whole life; only whole buffers are shared, so
 * that kernels keep taking plain float[]s that start at the tensor's first value.
 */
final class SharedBuffers {
    /** The most elements {@link io.tornadoresnet.tensor.Shape#size()} allows. */
    private static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final List<List<Tensor>> buffers = new ArrayList<>();
    private final List<Tensor> own = new ArrayList<>();
    /** The most elements the shared tensors alive at one op hold, over the plan. */
    private long sharedElementsAtOnce;

    /** Ops (indices in plan order) from the first that touches a tensor to the last it may run at. */
    private record Life(int first, int last) {
    }

    private SharedBuffers() {
    }

    /**
     * Plans the buffers of {@code tensors} (those of the plan's own tensors not yet backed), ops
     * given by stage, in run order; {@code pinned} get buffers of their own.
     */
    static SharedBuffers plan(List<Stage> stages, List<Tensor> tensors, Set<Tensor> pinned) {
        SharedBuffers plan = new SharedBuffers();
        if (tensors.stream().anyMatch(t -> t.shape().elements() > MAX_ARRAY)) {
            // never built (no array holds it) and not lowered (kernels take int sizes): counted whole, for the refusal
            plan.own.addAll(tensors);
            return plan;
        }
        Map<Tensor, Life> lives = lives(stages);
        List<Tensor> shared = new ArrayList<>();
        for (Tensor t : tensors) {
            if (pinned.contains(t) || !lives.containsKey(t)) {
                plan.own.add(t);
            } else {
                shared.add(t);
            }
        }
        plan.sharedElementsAtOnce = mostAtOnce(shared, lives);
        shared.sort(Comparator.comparingLong((Tensor t) -> t.shape().elements()).reversed());
        // per buffer, the lives of its tensors by first op: they never overlap
        List<TreeMap<Integer, Integer>> taken = new ArrayList<>();
        for (Tensor t : shared) {
            Life life = lives.get(t);
            int best = -1;
            for (int b = 0; b < plan.buffers.size(); b++) {
                Map.Entry<Integer, Integer> before = taken.get(b).floorEntry(life.last());
                boolean free = before == null || before.getValue() < life.first();
                if (free && (best < 0 || plan.capacity(b) < plan.capacity(best))) {
                    best = b;
                }
            }
            if (best < 0) {
                plan.buffers.add(new ArrayList<>());
                taken.add(new TreeMap<>());
                best = plan.buffers.size() - 1;
            }
            plan.buffers.get(best).add(t);
            taken.get(best).put(life.first(), life.last());
        }
        return plan;
    }

    /** The most elements that {@code tensors} alive at one op hold together. */
    private static long mostAtOnce(List<Tensor> tensors, Map<Tensor, Life> lives) {
        int ops = lives.values().stream().mapToInt(Life::last).max().orElse(-1) + 1;
        long[] change = new long[ops + 1];
        for (Tensor t : tensors) {
            Life life = lives.get(t);
            change[life.first()] += t.shape().elements();
            change[life.last() + 1] -= t.shape().elements();
        }
        long alive = 0;
        long most = 0;
        for (int op = 0; op < ops; op++) {
            alive += change[op];
            most = Math.max(most, alive);
        }
        return most;
    }

    /**
     * The life of every tensor the ops pass that may share a buffer: all but those an op reads
     * before one writes them.
     */
    private static Map<Tensor, Life> lives(List<Stage> stages) {
        List<Op> ops = new ArrayList<>();
        List<Integer> stageOf = new ArrayList<>();
        for (int s = 0; s < stages.size(); s++) {
            for (Op op : stages.get(s).ops()) {
                ops.add(op);
                stageOf.add(s);
            }
        }
        Map<Tensor, List<Integer>> users = new IdentityHashMap<>();
        Set<Tensor> readFirst = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Set<Tensor>> written = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            Set<Tensor> writes = Collections.newSetFromMap(new IdentityHashMap<>());
            for (KernelCall call : ops.get(i).lower(Tensor::unallocated)) {
                for (int a = 0; a < call.args().length; a++) {
                    if (!(call.args()[a] instanceof Tensor t)) {
                        continue;
                    }
                    List<Integer> u = users.computeIfAbsent(t, x -> new ArrayList<>());
                    if (u.isEmpty() && call.kernel().reads(a)) {
                        readFirst.add(t);
                    }
                    if (u.isEmpty() || u.get(u.size() - 1) != i) {
                        u.add(i);
                    }
                    if (call.kernel().writes(a)) {
                        writes.add(t);
                    }
                }
            }
            written.add(writes);
        }
        // The last op each op may run at: that of the element-wise op it may be delayed to, if any.
        int[] lastRun = new int[ops.size()];
        for (int i = ops.size() - 1; i >= 0; i--) {
            lastRun[i] = i;
            for (Tensor t : written.get(i)) {
                List<Integer> u = users.get(t);
                if (u.size() >= 2 && u.get(0) == i && stageOf.get(u.get(1)).equals(stageOf.get(i))
                        && elementWise(ops.get(u.get(1)))) {
                    lastRun[i] = Math.max(lastRun[i], lastRun[u.get(1)]);
                }
            }
        }
        Map<Tensor, Life> lives = new IdentityHashMap<>();
        users.forEach((t, u) -> {
            if (!readFirst.contains(t)) {
                lives.put(t, new Life(u.get(0), u.stream().mapToInt(i -> lastRun[i]).max().orElseThrow()));
            }
        });
        return lives;
    }

    /** Whether op may be computed on the output of the op before it, as that op writes it. */
    private static boolean elementWise(Op op) {
        return op instanceof Op.BatchNormInfer || op instanceof Op.BatchNormTrain || op instanceof Op.BatchNormBackward
                || op instanceof Op.Add || op instanceof Op.Relu || op instanceof Op.ReluBackward;
    }

    /** The first (largest) tensor of buffer b sets its size. */
    private long capacity(int b) {
        return buffers.get(b).get(0).shape().elements();
    }

    /** Bytes of all the buffers: the shared ones and the pinned tensors' own; Long.MAX_VALUE stands for more. */
    long bytes() {
        long floats = ownElements();
        for (int b = 0; b < buffers.size(); b++) {
            floats = saturatingAdd(floats, capacity(b));
        }
        return floatBytes(floats);
    }

    /**
     * Bytes the tensors hold at once at most: the pinned tensors' own and the shared tensors alive at the
     * op where they hold the most. {@link #bytes()} is above it by what whole buffers cost: each tensor
     * starts its buffer, so a buffer as large as the largest tensor it ever holds stands idle in part
     * while smaller ones use it.
     */
    long bytesAtOnce() {
        return floatBytes(saturatingAdd(ownElements(), sharedElementsAtOnce));
    }

    private long ownElements() {
        long floats = 0;
        for (Tensor t : own) {
            floats = saturatingAdd(floats, t.shape().elements());
        }
        return floats;
    }

    private static long floatBytes(long floats) {
        return floats > Long.MAX_VALUE / Float.BYTES ? Long.MAX_VALUE : floats * Float.BYTES;
    }

    /** a + b, or Long.MAX_VALUE where that is more. */
    static long saturatingAdd(long a, long b) {
        return a > Long.MAX_VALUE - b ? Long.MAX_VALUE : a + b;
    }

    /** Gives every tensor its buffer. */
    void allocate() {
        own.forEach(t -> t.back(new float[t.size()]));
        for (List<Tensor> sharing : buffers) {
            float[] buffer = new float[sharing.get(0).size()];
            sharing.forEach(t -> t.back(buffer));
        }
    }
}
