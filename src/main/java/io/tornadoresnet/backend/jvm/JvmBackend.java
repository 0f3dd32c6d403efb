package io.tornadoresnet.backend.jvm;

import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.ConvGeometry;
import io.tornadoresnet.plan.HostExecutable;
import io.tornadoresnet.plan.KernelCall;
import io.tornadoresnet.plan.Mode;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.plan.Stage;
import io.tornadoresnet.tensor.Tensor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Runs plans on the JVM's cores. Tensors live in their own float[]s, so there is nothing to copy
 * to or from a device. Convolutions run as im2col plus a blocked GEMM spread over a worker pool
 * ({@link ConvRoutine}), ReLU, residual adds and batch norm as vectorised loops over the same pool
 * ({@link Pointwise}); the small ops (pooling, the head, the loss, the optimizer) run as their
 * kernels on the calling thread. In inference plans a convolution takes the batch norm, residual add
 * and ReLU after it into its own pass; in training plans batch norm takes the add and ReLU after it,
 * and its backward the ReLU's gradient before it ({@link Fusion}). The tensors between the ops of such
 * a chain are then never written.
 */
public final class JvmBackend implements Backend {
    private static final Logger LOG = LoggerFactory.getLogger(JvmBackend.class);
    private final int threads;
    private final WorkerPool pool;

    public JvmBackend(int threads) {
        if (threads <= 0) {
            throw new IllegalArgumentException("threads must be positive, got " + threads);
        }
        this.threads = threads;
        this.pool = new WorkerPool(threads);
        LOG.debug("JVM backend: {} threads, Vector API {}", threads,
                VectorApi.available() ? "in use" : "absent (start java with --add-modules jdk.incubator.vector)");
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
        return compile(plan, null);
    }

    /** As {@link #compile(Plan)}, each step counting its time in {@code times} when that is not null. */
    public Executable compile(Plan plan, OpTimes times) {
        Convolutions convolutions = new Convolutions();
        boolean training = plan.mode() == Mode.TRAIN;
        Set<Op> updateOps = Collections.newSetFromMap(new IdentityHashMap<>());
        if (plan.updateStart() >= 0) {
            for (Stage stage : plan.stages().subList(plan.updateStart(), plan.stages().size())) {
                updateOps.addAll(stage.ops());
            }
        }
        List<Runnable> steps = new ArrayList<>();
        int gradientSteps = -1;
        int fused = 0;
        List<Fusion.Step> schedule = Fusion.schedule(plan, VectorApi.available());
        Set<Tensor> normalizedByBatch = VectorApi.available() ? batchNormInputs(schedule) : Set.of();
        Map<Tensor, ChannelMoments> moments = new IdentityHashMap<>();
        for (Fusion.Step step : schedule) {
            String label = times == null ? null : OpTimes.label(step);
            Consumer<Runnable> add = times == null ? steps::add : run -> steps.add(times.timed(label, run));
            boolean update = updateOps.containsAll(step.ops());
            if (gradientSteps < 0 && update) {
                gradientSteps = steps.size();
            } else if (gradientSteps >= 0 && !update) {
                throw new IllegalStateException("the update stages must come last in a plan");
            }
            if (step instanceof Fusion.ConvChain chain) {
                add.accept(fusedRoutine(chain, convolutions, training));
                fused++;
                continue;
            }
            if (step instanceof Fusion.NormChain chain) {
                ChannelMoments gathered = chain.norm() instanceof Op.BatchNormTrain b ? moments.get(b.x()) : null;
                add.accept(Pointwise.normChain(chain, gathered, pool));
                fused++;
                continue;
            }
            if (step instanceof Fusion.NormBackwardChain chain) {
                add.accept(Pointwise.normBackwardChain(chain, pool));
                fused++;
                continue;
            }
            if (step instanceof Fusion.ResidualBackwardChain chain) {
                add.accept(Pointwise.residualBackwardChain(chain, pool));
                fused++;
                continue;
            }
            Op op = ((Fusion.Single) step).op();
            if (op instanceof Op.ConvForward f && normalizedByBatch.contains(f.out())) {
                add.accept(convolutionWithMoments(f, convolutions, training, moments));
                continue;
            }
            if (op instanceof Op.BatchNormTrain b && moments.containsKey(b.x())) {
                add.accept(Pointwise.batchNormTrain(b, moments.get(b.x()), pool));
                continue;
            }
            Runnable fast = fastRoutine(op, convolutions, training);
            if (fast != null) {
                add.accept(fast);
            } else {
                for (KernelCall call : op.lower(Tensor::new)) {
                    add.accept(call.bind());
                }
            }
        }
        if (gradientSteps < 0) {
            gradientSteps = steps.size();
        }
        convolutions.scratch.allocate();
        LOG.debug("compiled {} plan of batch {}: {} stages, {} steps, {} convolution shapes, {} chains of fused ops",
                plan.mode(), plan.batch(), plan.stages().size(), steps.size(), convolutions.byShape.size(), fused);
        return new HostExecutable(plan, steps.subList(0, gradientSteps).toArray(new Runnable[0]),
                steps.subList(gradientSteps, steps.size()).toArray(new Runnable[0]));
    }

    /** A convolution with its batch norm, residual add and ReLU applied to each output tile. */
    private Runnable fusedRoutine(Fusion.ConvChain chain, Convolutions convolutions, boolean training) {
        Op.ConvForward conv = chain.conv();
        Op.BatchNormInfer norm = chain.norm();
        ConvRoutine r = convolutions.routine(conv.g(), training);
        ConvEpilogue epilogue = new ConvEpilogue(norm.gamma().data(), norm.beta().data(), norm.runningMean().data(),
                norm.runningVar().data(), norm.eps(), chain.residual() == null ? null : chain.residual().data(),
                chain.relu());
        float[] in = conv.in().data(), weight = conv.weight().data(), out = chain.out().data();
        return () -> {
            epilogue.prepare();
            r.forward(in, weight, epilogue, out, pool);
        };
    }

    /** The inputs of the batch norms that normalise by the batch's own statistics, on the Vector API's routines. */
    private static Set<Tensor> batchNormInputs(List<Fusion.Step> schedule) {
        Set<Tensor> inputs = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Fusion.Step step : schedule) {
            Op op = step instanceof Fusion.NormChain chain ? chain.norm()
                    : step instanceof Fusion.Single single ? single.op() : null;
            if (op instanceof Op.BatchNormTrain b) {
                inputs.add(b.x());
            }
        }
        return inputs;
    }

    /**
     * A convolution whose output only a training batch norm normalises: it gathers the batch norm's
     * statistics as it writes each tile ({@link ChannelMoments}, kept in {@code moments} by output).
     */
    private Runnable convolutionWithMoments(Op.ConvForward f, Convolutions convolutions,
                                            boolean training, Map<Tensor, ChannelMoments> moments) {
        ConvRoutine r = convolutions.routine(f.g(), training);
        ChannelMoments m = new ChannelMoments(r.forwardTiles(), f.g().k());
        moments.put(f.out(), m);
        float[] in = f.in().data(), weight = f.weight().data(), out = f.out().data();
        return () -> r.forward(in, weight, m, out, pool);
    }

    /** A faster routine with the kernels' results for this op, or null to run its kernels. */
    private Runnable fastRoutine(Op op, Convolutions convolutions, boolean training) {
        if (op instanceof Op.ConvForward f) {
            ConvRoutine r = convolutions.routine(f.g(), training);
            float[] in = f.in().data(), weight = f.weight().data(), out = f.out().data();
            return () -> r.forward(in, weight, out, pool);
        }
        if (op instanceof Op.ConvBackwardData d) {
            ConvRoutine r = convolutions.routine(d.g(), training);
            float[] gradOut = d.gradOut().data(), weight = d.weight().data(), gradIn = d.gradIn().data();
            return () -> r.backwardData(gradOut, weight, gradIn, pool);
        }
        if (op instanceof Op.ConvBackwardWeights b) {
            ConvRoutine r = convolutions.routine(b.g(), training);
            float[] in = b.in().data(), gradOut = b.gradOut().data(), gradWeight = b.gradWeight().data();
            return () -> r.backwardWeights(in, gradOut, gradWeight, pool);
        }
        if (op instanceof Op.MaxPool m) {
            return MaxPooling.forward(m, pool);
        }
        if (op instanceof Op.MaxPoolBackward m) {
            return MaxPooling.backward(m, pool);
        }
        if (op instanceof Op.Linear l && FullyConnected.pays(l.n(), l.in(), l.out())) {
            return FullyConnected.forward(l, pool);
        }
        if (op instanceof Op.LinearBackward l && FullyConnected.pays(l.n(), l.in(), l.out())) {
            return FullyConnected.backward(l, pool);
        }
        return Pointwise.routine(op, pool);
    }

    /**
     * The convolutions of one compiled plan. Those of one shape share a routine (and its workspaces), and all
     * share one {@link ConvScratch}: the plan runs one op at a time. Those of an inference plan have no
     * workspaces for the gradient passes.
     */
    private final class Convolutions {
        final Map<ConvGeometry, ConvRoutine> byShape = new HashMap<>();
        final ConvScratch scratch = new ConvScratch(threads);

        ConvRoutine routine(ConvGeometry g, boolean backward) {
            return byShape.computeIfAbsent(g, x -> new ConvRoutine(x.n(), x.c(), x.h(), x.w(), x.k(), x.kh(), x.kw(),
                    x.stride(), x.pad(), x.oh(), x.ow(), backward, scratch));
        }
    }

    @Override
    public void close() {
        pool.close();
    }
}
