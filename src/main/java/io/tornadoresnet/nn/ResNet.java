package io.tornadoresnet.nn;

import io.tornadoresnet.plan.HostMemory;
import io.tornadoresnet.plan.LayerInfo;
import io.tornadoresnet.plan.Mode;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.plan.PlanBuilder;
import io.tornadoresnet.plan.Replicas;
import io.tornadoresnet.plan.Stage;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A residual network as the paper's Table 1 and section 4.2 lay it out: a stem (conv1, bn1, ReLU,
 * and max-pool for the ImageNet nets), residual stages layer1..layerN, and a head (global average
 * pool, fully connected). It owns its parameters; {@link #compile} turns it into plans.
 */
public final class ResNet {
    private final String name;
    private final Shape imageShape;
    private final int classes;
    private final Shortcut shortcut;
    private final Sequence stem;
    private final List<Sequence> stages;
    private final Linear fc;

    ResNet(String name, Shape imageShape, int classes, Shortcut shortcut, Sequence stem,
           List<Sequence> stages, Linear fc) {
        this.name = name;
        this.imageShape = imageShape;
        this.classes = classes;
        this.shortcut = shortcut;
        this.stem = stem;
        this.stages = List.copyOf(stages);
        this.fc = fc;
    }

    public String name() {
        return name;
    }

    public Shape imageShape() {
        return imageShape;
    }

    public int classes() {
        return classes;
    }

    public Shortcut shortcut() {
        return shortcut;
    }

    /** Every parameter in PyTorch's order. */
    public List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>(stem.parameters());
        stages.forEach(s -> all.addAll(s.parameters()));
        all.addAll(fc.parameters());
        return all;
    }

    public long parameterCount() {
        return parameters().stream().mapToLong(p -> p.value().size()).sum();
    }

    /**
     * Parameters and batch-norm running statistics under PyTorch's state-dict names, in PyTorch's
     * order (num_batches_tracked, an integer, is the checkpoint's business).
     */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> map = new LinkedHashMap<>();
        stem.stateDict(map);
        stages.forEach(s -> s.stateDict(map));
        fc.stateDict(map);
        return map;
    }

    /**
     * He initialisation for the convolutions (normal, std sqrt(2/fan_out), as torchvision),
     * PyTorch's default uniform(+-1/sqrt(in)) for the fully connected layer, batch norm at gamma 1,
     * beta 0, running mean 0 and variance 1; momentum buffers zero.
     */
    public void initialize(long seed) {
        Random random = new Random(seed);
        for (Parameter p : parameters()) {
            float[] w = p.value().data();
            Shape s = p.value().shape();
            if (s.rank() == 4) {
                double std = Math.sqrt(2.0 / (s.dim(0) * s.dim(2) * s.dim(3)));
                for (int i = 0; i < w.length; i++) {
                    w[i] = (float) (random.nextGaussian() * std);
                }
            } else if (p.name().startsWith("fc.")) {
                double bound = 1.0 / Math.sqrt(fc.in());
                for (int i = 0; i < w.length; i++) {
                    w[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
                }
            } else {
                Arrays.fill(w, p.name().endsWith(".weight") ? 1f : 0f);
            }
            p.resetMomentum();
        }
        stateDict().forEach((key, t) -> {
            if (key.endsWith(".running_mean")) {
                Arrays.fill(t.data(), 0f);
            } else if (key.endsWith(".running_var")) {
                Arrays.fill(t.data(), 1f);
            }
        });
    }

    /** Compiles an inference plan: forward pass, softmax, and the loss and correct count of labelled rows. */
    public Plan compileInference(int batch) {
        return compile(Mode.INFER, batch, null, false);
    }

    /** Compiles a training step: forward, loss, backward, SGD update. */
    public Plan compileTraining(int batch, Sgd sgd) {
        return compile(Mode.TRAIN, batch, sgd, false);
    }

    /**
     * Compiles a training step of one data-parallel replica whose batch norms are synchronised over
     * the replicas (PyTorch's SyncBatchNorm); {@code batch} is this replica's share of the global batch.
     */
    public Plan compileTraining(int batch, Sgd sgd, Replicas synchronizedBatchNorm) {
        return compile(Mode.TRAIN, batch, sgd, false, synchronizedBatchNorm);
    }

    /**
     * Compiles a plan after checking, from its tensors' shapes alone, that it fits in this JVM's heap.
     *
     * @param inputGradient also compute the gradient of the input (for gradient checks), into
     *                      the plan's {@link Plan#inputGradient()}
     * @throws IllegalArgumentException when the plan cannot fit, with the estimate and the limit
     */
    public Plan compile(Mode mode, int batch, Sgd sgd, boolean inputGradient) {
        return compile(mode, batch, sgd, inputGradient, null);
    }

    private Plan compile(Mode mode, int batch, Sgd sgd, boolean inputGradient, Replicas synchronizedBatchNorm) {
        PlanBuilder sizing = PlanBuilder.sizing(mode, batch, imageShape, inputGradient)
                .synchronizingBatchNorm(synchronizedBatchNorm);
        HostMemory.require(name + " at " + imageShape + ", batch " + batch,
                mode == Mode.TRAIN ? "training" : "inference", memory(sizing, sgd).total());
        return emit(new PlanBuilder(mode, batch, imageShape, inputGradient)
                .synchronizingBatchNorm(synchronizedBatchNorm), sgd);
    }

    /**
     * Bytes a plan and this model take: the plan's buffers and index arrays, sized without
     * allocating them (tensors that are never needed at the same time share a buffer), and the
     * model's state (parameters and running statistics) with, for training, each parameter's
     * gradient and momentum. A backend's own workspaces come on top (the JVM backend's: per
     * convolution shape and thread, and once per plan the largest kernel copy, weight-gradient shares and
     * packing buffers).
     */
    public long memoryNeeded(Mode mode, int batch, Sgd sgd, boolean inputGradient) {
        return memory(PlanBuilder.sizing(mode, batch, imageShape, inputGradient), sgd).total();
    }

    /**
     * What {@link #memoryNeeded} counts, in bytes and in parts: the plan's buffers and index arrays,
     * of which the tensors in use at once hold at most {@code planAtOnce}, and the model's state.
     */
    public record Memory(long plan, long planAtOnce, long state) {
        /** {@link #memoryNeeded}'s answer: the plan and the state. */
        public long total() {
            return plan > Long.MAX_VALUE - state ? Long.MAX_VALUE : plan + state;
        }
    }

    /** {@link #memoryNeeded} in parts, for a plan without the input's gradient. */
    public Memory memory(Mode mode, int batch, Sgd sgd) {
        return memory(PlanBuilder.sizing(mode, batch, imageShape, false), sgd);
    }

    private Memory memory(PlanBuilder sizing, Sgd sgd) {
        emit(sizing, sgd);
        long state = stateDict().values().stream().mapToLong(Tensor::size).sum()
                + (sizing.mode() == Mode.TRAIN ? 2L * parameterCount() : 0);
        return new Memory(sizing.bytes(), sizing.bytesAtOnce(), Float.BYTES * state);
    }

    private Plan emit(PlanBuilder b, Sgd sgd) {
        Mode mode = b.mode();
        int batch = b.batch();
        b.stage("stem");
        Node stemNode = stem.forward(b, b.input());
        Tensor x = stemNode.out();
        List<Node> stageNodes = new ArrayList<>();
        for (int i = 0; i < stages.size(); i++) {
            b.stage("layer" + (i + 1));
            Node node = stages.get(i).forward(b, x);
            stageNodes.add(node);
            x = node.out();
        }
        b.stage("head");
        Node pool = Functional.globalAvgPool(b, x, "avgpool");
        Node logitsNode = fc.forward(b, pool.out());
        Tensor logits = logitsNode.out();
        Tensor gradLogits = b.tensor("logits.grad", logits.shape());
        Tensor metrics = b.tensor("metrics", Shape.of(2));
        b.add(new Op.SoftmaxCrossEntropy(logits, b.labels(), gradLogits, b.tensor("loss.per_sample", Shape.of(batch)),
                b.tensor("correct.per_sample", Shape.of(batch)), metrics, batch, classes));
        List<Tensor> state = new ArrayList<>();
        parameters().forEach(p -> state.add(p.value()));
        stateDict().forEach((key, t) -> {
            if (key.endsWith(".running_mean") || key.endsWith(".running_var")) {
                state.add(t);
            }
        });
        if (mode == Mode.INFER) {
            Tensor probabilities = b.tensor("probabilities", logits.shape());
            b.add(new Op.Softmax(logits, probabilities, batch, classes));
            return b.build(null, metrics, logits, probabilities, null, state);
        }
        if (sgd == null) {
            throw new IllegalArgumentException("a training plan needs SGD settings");
        }
        b.stage("head.backward");
        Tensor grad = pool.backward().emit(b, logitsNode.backward().emit(b, gradLogits));
        for (int i = stages.size() - 1; i >= 0; i--) {
            b.stage("layer" + (i + 1) + ".backward");
            grad = stageNodes.get(i).backward().emit(b, grad);
        }
        b.stage("stem.backward");
        Tensor inputGrad = stemNode.backward().emit(b, grad);
        Tensor learningRate = b.tensor("learning_rate", Shape.of(1));
        b.stage(Stage.OPTIMIZER);
        List<Tensor> gradients = new ArrayList<>();
        for (Parameter p : parameters()) {
            b.add(new Op.SgdStep(p.value(), p.grad(), p.velocity(), learningRate, sgd.momentum(), sgd.weightDecay(),
                    sgd.nesterov()));
            state.add(p.velocity());
            gradients.add(p.grad());
        }
        return b.build(learningRate, metrics, logits, null, inputGrad, state).withGradients(gradients);
    }

    /** The layer table for one image: each layer's output shape, parameters and multiply-adds. */
    public List<LayerInfo> layerTable() {
        return compileInference(1).layers();
    }

    /** Forward multiply-adds per image (convolutions and the fully connected layer). */
    public long macs() {
        return layerTable().stream().mapToLong(LayerInfo::macs).sum();
    }
}
