package io.tornadoresnet.plan;

import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Collects the stages of a plan while a model emits its ops: layers ask it for their output
 * tensors and add the ops that compute them, stage by stage, in run order. The tensors get their
 * buffers when the plan is built, once it is known which of them may share one
 * ({@link SharedBuffers}); a {@link #sizing} builder only counts the bytes that would take, so that
 * a plan's memory is known before any of it is allocated.
 */
public final class PlanBuilder {
    private final Mode mode;
    private final int batch;
    private final Tensor input;
    private final int[] labels;
    private final boolean inputGradient;
    private final boolean allocate;
    private long bytes;
    private long bytesAtOnce;
    private final Set<String> names = new HashSet<>();
    private final List<Tensor> tensors = new ArrayList<>();
    private final List<Stage> stages = new ArrayList<>();
    private final List<LayerInfo> layers = new ArrayList<>();
    private Replicas batchNormReplicas;
    private String stageName;
    private List<Op> stageOps;

    /**
     * @param imageShape    one input image, CxHxW
     * @param inputGradient whether the backward pass computes the gradient of the input too
     *                      (for gradient checks; training does not need it)
     */
    public PlanBuilder(Mode mode, int batch, Shape imageShape, boolean inputGradient) {
        this(mode, batch, imageShape, inputGradient, true);
    }

    private PlanBuilder(Mode mode, int batch, Shape imageShape, boolean inputGradient, boolean allocate) {
        if (batch <= 0) {
            throw new IllegalArgumentException("batch size must be positive, got " + batch);
        }
        this.mode = mode;
        this.batch = batch;
        this.inputGradient = inputGradient;
        this.allocate = allocate;
        this.input = tensor("input", imageShape.withBatch(batch));
        this.labels = indices(Shape.of(batch));
    }

    /** A builder whose tensors have shapes but no buffers: only {@link #bytes()} of what it builds is of use. */
    public static PlanBuilder sizing(Mode mode, int batch, Shape imageShape, boolean inputGradient) {
        return new PlanBuilder(mode, batch, imageShape, inputGradient, false);
    }

    /**
     * Bytes of the plan's index arrays and, once {@link #build} has planned them, of its tensors'
     * buffers.
     */
    public long bytes() {
        return bytes;
    }

    /**
     * Of {@link #bytes()}, once {@link #build} has planned the buffers: the index arrays and the most the
     * tensors hold at once (SharedBuffers' {@code bytesAtOnce}), what the plan would take if tensors
     * could share buffers in part.
     */
    public long bytesAtOnce() {
        return bytesAtOnce;
    }

    public Mode mode() {
        return mode;
    }

    public boolean training() {
        return mode == Mode.TRAIN;
    }

    public int batch() {
        return batch;
    }

    public Tensor input() {
        return input;
    }

    public int[] labels() {
        return labels;
    }

    /**
     * Makes the training batch norms built from now on synchronised over these data-parallel replicas
     * (their statistics those of the global batch); null keeps each replica's batch its own.
     */
    public PlanBuilder synchronizingBatchNorm(Replicas replicas) {
        this.batchNormReplicas = replicas;
        return this;
    }

    /** The replicas that training batch norms synchronise over, or null. */
    public Replicas batchNormReplicas() {
        return batchNormReplicas;
    }

    /** Whether the backward pass must produce the gradient of x. */
    public boolean needsGradient(Tensor x) {
        return x != input || inputGradient;
    }

    /** Starts a new stage; the ops added from now on belong to it. */
    public void stage(String name) {
        closeStage();
        stageName = name;
        stageOps = new ArrayList<>();
    }

    public void add(Op op) {
        if (stageOps == null) {
            throw new IllegalStateException("no stage started");
        }
        stageOps.add(op);
    }

    /**
     * A new tensor of the plan (activation, gradient or saved statistic); names are unique. It has
     * its buffer once the plan is built.
     */
    public Tensor tensor(String name, Shape shape) {
        if (!names.add(name)) {
            throw new IllegalStateException("tensor name used twice in one plan: " + name);
        }
        Tensor t = Tensor.unallocated(name, shape);
        tensors.add(t);
        return t;
    }

    /** An int array of the shape's size (argmax indices, labels); empty in a sizing builder. */
    public int[] indices(Shape shape) {
        count(shape.elements() > Long.MAX_VALUE / Integer.BYTES ? Long.MAX_VALUE : shape.elements() * Integer.BYTES);
        return new int[allocate ? shape.size() : 0];
    }

    /** Adds bytes, saturating at Long.MAX_VALUE. */
    private void count(long more) {
        bytes = SharedBuffers.saturatingAdd(bytes, more);
    }

    /** A layer-table row: models describe themselves while they emit their forward ops. */
    public void describe(LayerInfo info) {
        layers.add(info);
    }

    /**
     * The plan, its tensors backed: the input, learning rate, metrics, logits, probabilities and
     * input gradient (those that are not null) by buffers of their own, the others by buffers they
     * share with tensors whose lifetimes do not overlap theirs ({@link SharedBuffers}).
     */
    public Plan build(Tensor learningRate, Tensor metrics, Tensor logits, Tensor probabilities, Tensor inputGradient,
                      List<Tensor> modelState) {
        closeStage();
        Set<Tensor> pinned = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Tensor t : new Tensor[] {input, learningRate, metrics, logits, probabilities, inputGradient}) {
            if (t != null) {
                pinned.add(t);
            }
        }
        SharedBuffers buffers = SharedBuffers.plan(stages, tensors, pinned);
        bytesAtOnce = SharedBuffers.saturatingAdd(bytes, buffers.bytesAtOnce());
        count(buffers.bytes());
        if (allocate) {
            buffers.allocate();
        }
        return new Plan(mode, batch, stages, input, labels, learningRate, metrics, logits, probabilities,
                inputGradient, modelState, layers);
    }

    private void closeStage() {
        if (stageOps != null && !stageOps.isEmpty()) {
            stages.add(new Stage(stageName, stageOps));
        }
        stageOps = null;
    }
}
