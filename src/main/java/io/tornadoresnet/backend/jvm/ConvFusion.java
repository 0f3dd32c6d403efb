package io.tornadoresnet.backend.jvm;

import io.tornadoresnet.plan.KernelCall;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the convolutions of a plan whose output only an inference batch norm reads, with the residual
 * add and the ReLU that may follow, so that they run as one convolution with a {@link ConvEpilogue}.
 * A training plan has none (its batch norm needs the batch's statistics).
 *
 * <p>A chain replaces its ops and runs where its last op ran; the ops in between (a block's shortcut)
 * still run before it. A chain is formed only where that order gives the same results: each tensor
 * the chain writes on its way is read by the next op of the chain and by no other op, and the ops in
 * between touch none of the chain's tensors but the residual, which they compute.
 */
final class ConvFusion {
    private ConvFusion() {
    }

    /** One thing to run: an op on its own, or a chain. */
    sealed interface Step permits Single, Chain {
    }

    record Single(Op op) implements Step {
    }

    /**
     * conv, then norm, then (when residual is not null) + residual, then (when relu) ReLU, into out.
     * ops are the plan's ops the chain stands for, in plan order.
     */
    record Chain(Op.ConvForward conv, Op.BatchNormInfer norm, Tensor residual, boolean relu, Tensor out,
                 List<Op> ops) implements Step {
    }

    /** The ops of a plan, in order, with every fusable chain in place of its ops. */
    static List<Step> schedule(List<Op> ops) {
        List<Set<Tensor>> touched = new ArrayList<>();
        Map<Tensor, List<Integer>> users = new IdentityHashMap<>();
        for (int i = 0; i < ops.size(); i++) {
            Set<Tensor> tensors = tensorsOf(ops.get(i));
            touched.add(tensors);
            for (Tensor t : tensors) {
                users.computeIfAbsent(t, x -> new ArrayList<>()).add(i);
            }
        }
        boolean[] claimed = new boolean[ops.size()];
        Chain[] endingAt = new Chain[ops.size()];
        for (int i = 0; i < ops.size(); i++) {
            if (ops.get(i) instanceof Op.ConvForward conv && !claimed[i]) {
                Chain chain = chain(i, conv, ops, touched, users, claimed);
                if (chain != null) {
                    int last = i;
                    for (int j = i; j < ops.size(); j++) {
                        if (chain.ops().contains(ops.get(j))) {
                            claimed[j] = true;
                            last = j;
                        }
                    }
                    endingAt[last] = chain;
                }
            }
        }
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            if (endingAt[i] != null) {
                steps.add(endingAt[i]);
            } else if (!claimed[i]) {
                steps.add(new Single(ops.get(i)));
            }
        }
        return steps;
    }

    /** The longest valid chain starting at conv (index start), or null. */
    private static Chain chain(int start, Op.ConvForward conv, List<Op> ops, List<Set<Tensor>> touched,
                               Map<Tensor, List<Integer>> users, boolean[] claimed) {
        int normAt = nextReader(conv.out(), start, users, claimed);
        if (normAt < 0 || !(ops.get(normAt) instanceof Op.BatchNormInfer norm) || norm.x() != conv.out()) {
            return null;
        }
        List<Integer> members = new ArrayList<>(List.of(start, normAt));
        Tensor out = norm.y();
        int next = nextReader(out, normAt, users, claimed);
        if (next >= 0 && ops.get(next) instanceof Op.Add add && (add.a() == out) != (add.b() == out)) {
            members.add(next);
            out = add.out();
            next = nextReader(out, next, users, claimed);
        }
        if (next >= 0 && ops.get(next) instanceof Op.Relu r && r.x() == out) {
            members.add(next);
        }
        // Shorter chains move past fewer ops: the longest one those ops leave alone.
        for (int length = members.size(); length >= 2; length--) {
            List<Op> chainOps = new ArrayList<>();
            members.subList(0, length).forEach(m -> chainOps.add(ops.get(m)));
            Tensor residual = null;
            boolean relu = false;
            out = norm.y();
            for (Op op : chainOps.subList(2, length)) {
                if (op instanceof Op.Add add) {
                    residual = add.a() == out ? add.b() : add.a();
                    out = add.out();
                } else {
                    relu = true;
                    out = ((Op.Relu) op).y();
                }
            }
            if (undisturbed(members.subList(0, length), residual, touched)) {
                return new Chain(conv, norm, residual, relu, out, chainOps);
            }
        }
        return null;
    }

    /**
     * The op after {@code from} that reads t, when it is the only other op touching t and no chain has
     * it; otherwise -1.
     */
    private static int nextReader(Tensor t, int from, Map<Tensor, List<Integer>> users, boolean[] claimed) {
        List<Integer> u = users.get(t);
        if (u == null || u.size() != 2 || u.get(0).intValue() != from || claimed[u.get(1)]) {
            return -1;
        }
        return u.get(1);
    }

    /** Whether the ops between the first and last member touch no tensor of the chain but the residual. */
    private static boolean undisturbed(List<Integer> members, Tensor residual, List<Set<Tensor>> touched) {
        Set<Tensor> own = Collections.newSetFromMap(new IdentityHashMap<>());
        members.forEach(m -> own.addAll(touched.get(m)));
        own.remove(residual);
        int first = members.get(0);
        int last = members.get(members.size() - 1);
        for (int i = first + 1; i < last; i++) {
            if (members.contains(i)) {
                continue;
            }
            for (Tensor t : touched.get(i)) {
                if (own.contains(t)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The tensors an op reads or writes, found through its lowering (workspaces left out). */
    private static Set<Tensor> tensorsOf(Op op) {
        Tensor workspace = new Tensor("workspace", Shape.of(1));
        Set<Tensor> tensors = Collections.newSetFromMap(new IdentityHashMap<>());
        for (KernelCall call : op.lower((name, shape) -> workspace)) {
            for (Object arg : call.args()) {
                if (arg instanceof Tensor t && t != workspace) {
                    tensors.add(t);
                }
            }
        }
        return tensors;
    }
}
