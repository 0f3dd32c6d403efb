package io.tornadoresnet.backend.jvm;

import io.tornadoresnet.plan.KernelCall;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the ops of a plan that can run as one pass over memory instead of several:
 * <ul>
 *   <li>{@link ConvChain} (inference): a convolution, the batch norm with running statistics that
 *       alone reads its output, and the residual add and ReLU that may follow;
 *   <li>{@link NormChain} (training): batch norm with the batch's statistics (its own, or the
 *       synchronised one's normalising op), then the residual add and ReLU that follow it (at least
 *       one of them);
 *   <li>{@link NormBackwardChain} (training): ReLU's gradient, read only by batch norm's backward;
 *   <li>{@link ResidualBackwardChain} (training): ReLU's gradient at a residual block's output, read by
 *       batch norm's backward and by the block's shortcut, and the add of the two gradients (the next
 *       block's input gradient) that may come before it.
 * </ul>
 *
 * <p>A chain replaces its ops and runs where its last op ran; the ops in between (a block's shortcut)
 * still run before it. A chain is formed only where that order gives the same results: each tensor
 * the chain writes on its way is read by the next op of the chain and by no other op, so it need not
 * be written at all, and the ops in between touch none of the chain's tensors but the residual, which
 * they compute. A chain never spans two stages: the plan shares buffers between tensors on the
 * understanding that an op runs no later than the last op of its stage it could be fused with
 * ({@code SharedBuffers} in the plan package).
 */
final class Fusion {
    private Fusion() {
    }

    /** One thing to run: an op on its own, or a chain. */
    sealed interface Step permits Single, ConvChain, NormChain, NormBackwardChain, ResidualBackwardChain {
        /** The plan's ops this step stands for, in plan order. */
        List<Op> ops();
    }

    record Single(Op op) implements Step {
        @Override
        public List<Op> ops() {
            return List.of(op);
        }
    }

    /** conv, then norm, then (when residual is not null) + residual, then (when relu) ReLU, into out. */
    record ConvChain(Op.ConvForward conv, Op.BatchNormInfer norm, Tensor residual, boolean relu, Tensor out,
                     List<Op> ops) implements Step {
    }

    /**
     * norm, an {@link Op.BatchNormTrain} or an {@link Op.BatchNormFromSums} (its statistics as the op
     * computes them), then + residual (unless null), then ReLU when asked, into out.
     */
    record NormChain(Op norm, Tensor residual, boolean relu, Tensor out, List<Op> ops)
            implements Step {
    }

    /**
     * norm's backward of relu's gradient: gradOut where relu's output is positive, else 0. {@code forward},
     * when not null, is the batch norm whose {@link NormChain} wrote relu's output as ReLU of its normalised
     * input alone (no residual), with the statistics and gamma norm reads: the mask can be recomputed from
     * norm's input instead of read.
     */
    record NormBackwardChain(Op.ReluBackward relu, Op.BatchNormBackward norm, Op.BatchNormTrain forward,
                             List<Op> ops) implements Step {
    }

    /**
     * ReLU's gradient of add's sum (of relu's own gradOut when add is null), written for the ops that read
     * it after the chain, and norm's backward of it.
     */
    record ResidualBackwardChain(Op.Add add, Op.ReluBackward relu, Op.BatchNormBackward norm, List<Op> ops)
            implements Step {
    }

    /**
     * The ops of a plan, in order, with chains in place of their ops: convolution chains always,
     * training's batch-norm chains only when {@code normChains}.
     */
    static List<Step> schedule(List<Op> ops, boolean normChains) {
        return new Scheduler(ops, new int[ops.size()]).schedule(normChains);
    }

    /** The plan's ops, stage after stage, scheduled as {@link #schedule(List, boolean)} does; no chain spans stages. */
    static List<Step> schedule(Plan plan, boolean normChains) {
        List<Op> ops = new ArrayList<>();
        List<Integer> stages = new ArrayList<>();
        for (int s = 0; s < plan.stages().size(); s++) {
            for (Op op : plan.stages().get(s).ops()) {
                ops.add(op);
                stages.add(s);
            }
        }
        return new Scheduler(ops, stages.stream().mapToInt(Integer::intValue).toArray()).schedule(normChains);
    }

    private static final class Scheduler {
        private final List<Op> ops;
        private final List<Set<Tensor>> touched = new ArrayList<>();
        private final Map<Tensor, List<Integer>> users = new IdentityHashMap<>();
        private final boolean[] claimed;
        private final int[] stageOf;
        /** The training batch norms whose chain wrote ReLU of their output alone, by the tensor written. */
        private final Map<Tensor, Op.BatchNormTrain> normalisedRelu = new IdentityHashMap<>();

        Scheduler(List<Op> ops, int[] stageOf) {
            this.ops = ops;
            this.stageOf = stageOf;
            this.claimed = new boolean[ops.size()];
            for (int i = 0; i < ops.size(); i++) {
                Set<Tensor> tensors = tensorsOf(ops.get(i));
                touched.add(tensors);
                for (Tensor t : tensors) {
                    users.computeIfAbsent(t, x -> new ArrayList<>()).add(i);
                }
            }
        }

        List<Step> schedule(boolean normChains) {
            Step[] endingAt = new Step[ops.size()];
            for (int i = 0; i < ops.size(); i++) {
                if (claimed[i]) {
                    continue;
                }
                List<Integer> members = null;
                Step chain = null;
                Op op = ops.get(i);
                if (op instanceof Op.ConvForward conv) {
                    members = convChain(i, conv);
                    chain = members == null ? null : convChain(conv, members);
                } else if (normChains && (op instanceof Op.BatchNormTrain || op instanceof Op.BatchNormFromSums)) {
                    members = tail(List.of(i), outputOf(op), 2);
                    chain = members == null ? null : normChain(op, members);
                    if (chain instanceof NormChain norm && norm.relu() && norm.residual() == null
                            && op instanceof Op.BatchNormTrain train) {
                        normalisedRelu.put(norm.out(), train);
                    }
                } else if (normChains && op instanceof Op.ReluBackward relu) {
                    int next = nextReader(relu.gradIn(), i);
                    if (next >= 0 && ops.get(next) instanceof Op.BatchNormBackward norm && norm.gradOut() == relu.gradIn()
                            && undisturbed(List.of(i, next), null)) {
                        members = List.of(i, next);
                        chain = new NormBackwardChain(relu, norm, forwardOf(relu, norm), List.of(relu, norm));
                    } else {
                        members = residualBackward(-1, i);
                        chain = members == null ? null : residualBackwardChain(members);
                    }
                } else if (normChains && op instanceof Op.Add add) {
                    int next = nextReader(add.out(), i);
                    if (next >= 0 && ops.get(next) instanceof Op.ReluBackward relu && relu.gradOut() == add.out()) {
                        members = residualBackward(i, next);
                        chain = members == null ? null : residualBackwardChain(members);
                    }
                }
                if (chain != null) {
                    members.forEach(m -> claimed[m] = true);
                    endingAt[members.get(members.size() - 1)] = chain;
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

        /** The forward batch norm of {@link NormBackwardChain#forward}, or null. */
        private Op.BatchNormTrain forwardOf(Op.ReluBackward relu, Op.BatchNormBackward norm) {
            Op.BatchNormTrain forward = normalisedRelu.get(relu.y());
            boolean same = forward != null && forward.x() == norm.x() && forward.mean() == norm.mean()
                    && forward.invStd() == norm.invStd() && forward.gamma() == norm.gamma();
            return same ? forward : null;
        }

        /**
         * The add (when {@code addAt >= 0}), the ReLU gradient at {@code reluAt} and the batch-norm backward
         * that reads it first, where that reader is in the same stage, ReLU's gradient has other readers
         * after it, and the ops in between leave the chain's tensors alone; or null.
         */
        private List<Integer> residualBackward(int addAt, int reluAt) {
            Op.ReluBackward relu = (Op.ReluBackward) ops.get(reluAt);
            List<Integer> readers = users.get(relu.gradIn()).stream().filter(u -> u > reluAt).toList();
            if (readers.size() < 2 || claimed[readers.get(0)] || stageOf[readers.get(0)] != stageOf[reluAt]
                    || !(ops.get(readers.get(0)) instanceof Op.BatchNormBackward norm)
                    || norm.gradOut() != relu.gradIn()) {
                return null;
            }
            List<Integer> members = new ArrayList<>();
            if (addAt >= 0) {
                members.add(addAt);
            }
            members.add(reluAt);
            members.add(readers.get(0));
            return undisturbed(members, null) ? members : null;
        }

        private ResidualBackwardChain residualBackwardChain(List<Integer> members) {
            List<Op> chainOps = members.stream().map(ops::get).toList();
            Op.Add add = chainOps.get(0) instanceof Op.Add a ? a : null;
            return new ResidualBackwardChain(add, (Op.ReluBackward) chainOps.get(chainOps.size() - 2),
                    (Op.BatchNormBackward) chainOps.get(chainOps.size() - 1), chainOps);
        }

        /** The members (indices) of the longest valid chain from conv at start, or null. */
        private List<Integer> convChain(int start, Op.ConvForward conv) {
            int normAt = nextReader(conv.out(), start);
            if (normAt < 0 || !(ops.get(normAt) instanceof Op.BatchNormInfer norm) || norm.x() != conv.out()) {
                return null;
            }
            return tail(List.of(start, normAt), norm.y(), 2);
        }

        /**
         * The head (indices of ops, the last writing {@code out}) and the add and ReLU that may follow:
         * the longest such run, of at least {@code minLength} ops, that the ops in between leave alone;
         * or null.
         */
        private List<Integer> tail(List<Integer> head, Tensor out, int minLength) {
            List<Integer> members = new ArrayList<>(head);
            int next = nextReader(out, head.get(head.size() - 1));
            if (next >= 0 && ops.get(next) instanceof Op.Add add && (add.a() == out) != (add.b() == out)) {
                members.add(next);
                out = add.out();
                next = nextReader(out, next);
            }
            if (next >= 0 && ops.get(next) instanceof Op.Relu r && r.x() == out) {
                members.add(next);
            }
            // Shorter runs move past fewer ops: the longest one those ops leave alone.
            for (int length = members.size(); length >= minLength; length--) {
                List<Integer> run = members.subList(0, length);
                if (undisturbed(run, residual(run))) {
                    return new ArrayList<>(run);
                }
            }
            return null;
        }

        /** The other operand of the add among the members, or null. */
        private Tensor residual(List<Integer> members) {
            Tensor written = null;
            for (int m : members) {
                Op op = ops.get(m);
                if (op instanceof Op.Add add) {
                    return add.a() == written ? add.b() : add.a();
                }
                written = outputOf(op);
            }
            return null;
        }

        private ConvChain convChain(Op.ConvForward conv, List<Integer> members) {
            List<Op> chainOps = members.stream().map(ops::get).toList();
            Op.BatchNormInfer norm = (Op.BatchNormInfer) chainOps.get(1);
            return new ConvChain(conv, norm, residual(members), chainOps.get(chainOps.size() - 1) instanceof Op.Relu,
                    outputOf(chainOps.get(chainOps.size() - 1)), chainOps);
        }

        private NormChain normChain(Op norm, List<Integer> members) {
            List<Op> chainOps = members.stream().map(ops::get).toList();
            return new NormChain(norm, residual(members), chainOps.get(chainOps.size() - 1) instanceof Op.Relu,
                    outputOf(chainOps.get(chainOps.size() - 1)), chainOps);
        }

        /**
         * The op after {@code from} that reads t, when it is the only other op touching t, in the same
         * stage, and no chain has it; otherwise -1.
         */
        private int nextReader(Tensor t, int from) {
            List<Integer> u = users.get(t);
            if (u == null || u.size() != 2 || u.get(0) != from || claimed[u.get(1)]
                    || stageOf[u.get(1)] != stageOf[from]) {
                return -1;
            }
            return u.get(1);
        }

        /** Whether the ops between the first and last member touch no tensor of the chain but the residual. */
        private boolean undisturbed(List<Integer> members, Tensor residual) {
            Set<Tensor> own = Collections.newSetFromMap(new IdentityHashMap<>());
            members.forEach(m -> own.addAll(touched.get(m)));
            own.remove(residual);
            for (int i = members.get(0) + 1; i < members.get(members.size() - 1); i++) {
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
    }

    /** What a chain member writes for the next one to read. */
    private static Tensor outputOf(Op op) {
        if (op instanceof Op.ConvForward c) {
            return c.out();
        }
        if (op instanceof Op.BatchNormInfer b) {
            return b.y();
        }
        if (op instanceof Op.BatchNormTrain b) {
            return b.y();
        }
        if (op instanceof Op.BatchNormFromSums b) {
            return b.y();
        }
        if (op instanceof Op.Add a) {
            return a.out();
        }
        return ((Op.Relu) op).y();
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
