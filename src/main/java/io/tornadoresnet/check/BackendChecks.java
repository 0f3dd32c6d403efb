package io.tornadoresnet.check;

import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.nn.Sgd;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.KernelCall;
import io.tornadoresnet.plan.KernelReferenceBackend;
import io.tornadoresnet.plan.Mode;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.plan.Stage;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The checks every backend that runs on the host passes: each op of a plan alone, and whole
 * training steps of ResNets, against {@link KernelReferenceBackend} (the kernels run in order on
 * the JVM). Ops are compared element by element ({@link Errors#relative}), losses by
 * {@link Errors#loss}, model states by {@link Errors#norm}.
 */
public final class BackendChecks implements CheckSuite {
    /** Single ops: float sums in another order. */
    public static final double OP_TOLERANCE = 1e-4;
    /** After a whole step, where round-off passes through dozens of layers. */
    public static final double STEP_TOLERANCE = 2e-3;
    /**
     * A 20-step loss curve: training on noise amplifies round-off from step to step, so the curves
     * drift apart slowly even between two correct backends.
     */
    public static final double CURVE_TOLERANCE = 1e-2;
    /**
     * The model state after a step of ResNet-50 on a small batch of small images. Its last stage
     * normalises a handful of values per channel, so a pre-activation that rounds to just above zero
     * in one backend and to zero in the other (ReLU's kink) changes a gradient element outright. At
     * this size the untrained net's gradients are large and sensitive (measured: 2% between two
     * correct backends), hence 5%; every op on its own matches its kernels to 1e-4.
     */
    public static final double BOTTLENECK_STATE_TOLERANCE = 5e-2;

    private final Backend backend;

    /** Checks {@code backend}, which the suite closes. */
    public BackendChecks(Backend backend) {
        this.backend = backend;
    }

    @Override
    public String device() {
        return backend.name() + " (" + backend.device() + ")";
    }

    @Override
    public List<Check> checks() {
        return List.of(
                new Check("ops/resnet8 train", OP_TOLERANCE,
                        () -> everyOp(ResNets.create("resnet8", Shape.of(3, 12, 12), 5), Mode.TRAIN)),
                new Check("ops/resnet50 train", OP_TOLERANCE,
                        () -> everyOp(ResNets.create("resnet50", Shape.of(2, 32, 32), 4), Mode.TRAIN)),
                new Check("ops/resnet18 infer", OP_TOLERANCE,
                        () -> everyOp(ResNets.create("resnet18", Shape.of(1, 24, 24), 3), Mode.INFER)),
                new Check("resnet20/step loss", STEP_TOLERANCE,
                        () -> lossesAgree("resnet20", Shape.of(3, 32, 32), 8, 1)),
                new Check("resnet20/step state", STEP_TOLERANCE,
                        () -> statesAgree("resnet20", Shape.of(3, 32, 32), 8, 1)),
                new Check("resnet20/20-step losses", CURVE_TOLERANCE,
                        () -> lossesAgree("resnet20", Shape.of(3, 32, 32), 8, 20)),
                new Check("bottleneck/step loss", STEP_TOLERANCE,
                        () -> lossesAgree("resnet50", Shape.of(3, 64, 64), 4, 1)),
                new Check("bottleneck/step state", BOTTLENECK_STATE_TOLERANCE,
                        () -> statesAgree("resnet50", Shape.of(3, 64, 64), 4, 1)),
                new Check("resnet20/inference between training steps", STEP_TOLERANCE,
                        () -> inferenceBetweenTraining("resnet20", Shape.of(3, 16, 16), 4)),
                new Check("bottleneck/inference between training steps", STEP_TOLERANCE,
                        () -> inferenceBetweenTraining("resnet50", Shape.of(3, 64, 64), 2)));
    }

    @Override
    public void close() {
        backend.close();
    }

    /**
     * Runs every op of a plan alone on fresh random inputs, through the backend and through the
     * kernels, and compares everything the op writes; the worst error over all ops.
     */
    private Check.Measured everyOp(ResNet model, Mode mode) {
        model.initialize(1);
        Plan plan = model.compile(mode, 3, Sgd.PAPER, false);
        Random random = new Random(2);
        Check.Measured worst = Check.Measured.of(0);
        int checked = 0;
        for (Stage stage : plan.stages()) {
            for (Op op : stage.ops()) {
                Plan single = new Plan(mode, plan.batch(), List.of(new Stage(stage.name(), List.of(op))), plan.input(),
                        plan.labels(), plan.learningRate(), plan.metrics(), plan.logits(), plan.probabilities(), null,
                        List.of(), List.of());
                List<Tensor> tensors = tensorsOf(op);
                for (Tensor t : tensors) {
                    fill(t, random);
                }
                for (int i = 0; i < plan.labels().length; i++) {
                    plan.labels()[i] = random.nextInt(model.classes());
                }
                if (plan.learningRate() != null) {
                    plan.learningRate().data()[0] = 0.05f;
                }
                List<float[]> before = snapshot(tensors);
                try (Backend.Executable e = new KernelReferenceBackend().compile(single)) {
                    e.run();
                }
                List<float[]> expected = snapshot(tensors);
                restore(tensors, before);
                try (Backend.Executable e = backend.compile(single)) {
                    e.pushModelState();
                    e.run();
                    e.pullModelState();
                }
                for (int i = 0; i < tensors.size(); i++) {
                    worst = worst.worse(new Check.Measured(Errors.relative(tensors.get(i).data(), expected.get(i)),
                            op.getClass().getSimpleName() + " " + tensors.get(i).name()));
                }
                checked++;
            }
        }
        if (checked == 0) {
            throw new IllegalStateException("the plan has no ops");
        }
        return new Check.Measured(worst.error(), checked + " ops; worst " + worst.where());
    }

    /** The worst loss error over {@code steps} training steps from the same weights on the same batches. */
    private Check.Measured lossesAgree(String name, Shape image, int batch, int steps) {
        float[] expected = train(new KernelReferenceBackend(), name, image, batch, steps, null);
        float[] actual = train(backend, name, image, batch, steps, null);
        Check.Measured worst = Check.Measured.of(0);
        for (int s = 0; s < steps; s++) {
            worst = worst.worse(new Check.Measured(Errors.loss(actual[s], expected[s]),
                    "step " + (s + 1) + ": " + actual[s] + ", kernels " + expected[s]));
        }
        return worst;
    }

    /** The worst relative norm of the difference over the model's state tensors after the steps. */
    private Check.Measured statesAgree(String name, Shape image, int batch, int steps) {
        List<Tensor> expected = new ArrayList<>();
        train(new KernelReferenceBackend(), name, image, batch, steps, expected);
        List<Tensor> actual = new ArrayList<>();
        train(backend, name, image, batch, steps, actual);
        Check.Measured worst = Check.Measured.of(0);
        for (int i = 0; i < expected.size(); i++) {
            worst = worst.worse(new Check.Measured(Errors.norm(actual.get(i).data(), expected.get(i).data()),
                    expected.get(i).name()));
        }
        return worst;
    }

    /**
     * Inference between training steps, as a trainer evaluates: after each round of steps the
     * backend's inference plan must give the kernels' logits for the weights and running statistics
     * as they are now, not as they were when the plan was compiled or first run (a backend that
     * derives anything from the weights, such as batch norm folded into a convolution, must redo it).
     */
    private Check.Measured inferenceBetweenTraining(String name, Shape image, int batch) {
        ResNet model = ResNets.create(name, image, 10);
        model.initialize(7);
        Random random = new Random(8);
        // Batch norm far from the identity, so that folding it into a convolution matters.
        model.stateDict().forEach((key, t) -> {
            if (key.contains("bn") || key.contains("downsample.1")) {
                float[] v = t.data();
                for (int i = 0; i < v.length; i++) {
                    v[i] = key.endsWith("running_var") || key.endsWith("weight")
                            ? 0.8f + 0.4f * random.nextFloat() : 0.2f * (float) random.nextGaussian();
                }
            }
        });
        Plan train = model.compileTraining(batch, Sgd.PAPER);
        Plan infer = model.compileInference(batch);
        Check.Measured worst = Check.Measured.of(0);
        try (Backend.Executable trainer = backend.compile(train);
             Backend.Executable evaluator = backend.compile(infer);
             Backend.Executable reference = new KernelReferenceBackend().compile(infer)) {
            trainer.pushModelState();
            fill(infer.input(), random);
            float[] input = infer.input().data().clone();
            float[] previous = null;
            for (int round = 0; round < 3; round++) {
                for (int s = 0; s < 2; s++) {
                    fill(train.input(), random);
                    for (int i = 0; i < batch; i++) {
                        train.labels()[i] = random.nextInt(10);
                    }
                    train.learningRate().data()[0] = 0.01f;
                    trainer.run();
                }
                trainer.pullModelState();
                evaluator.pushModelState();
                System.arraycopy(input, 0, infer.input().data(), 0, input.length);
                reference.run();
                float[] expected = infer.logits().data().clone();
                if (Arrays.equals(previous, expected)) {
                    throw new IllegalStateException("the training steps changed nothing");
                }
                System.arraycopy(input, 0, infer.input().data(), 0, input.length);
                evaluator.run();
                worst = worst.worse(new Check.Measured(Errors.norm(infer.logits().data(), expected),
                        "logits after round " + round));
                previous = expected;
            }
        }
        return worst;
    }

    /** Losses of consecutive training steps on fixed random batches; the final model state into state. */
    private static float[] train(Backend backend, String name, Shape image, int batch, int steps, List<Tensor> state) {
        int classes = 10;
        ResNet model = ResNets.create(name, image, classes);
        model.initialize(5);
        Plan plan = model.compileTraining(batch, Sgd.PAPER);
        Random random = new Random(6);
        float[] losses = new float[steps];
        try (Backend.Executable e = backend.compile(plan)) {
            e.pushModelState();
            for (int s = 0; s < steps; s++) {
                fill(plan.input(), random);
                for (int i = 0; i < batch; i++) {
                    plan.labels()[i] = random.nextInt(classes);
                }
                plan.learningRate().data()[0] = 0.02f;
                e.run();
                losses[s] = plan.loss();
            }
            e.pullModelState();
        }
        if (state != null) {
            state.addAll(plan.modelState());
        }
        return losses;
    }

    /** The float tensors an op reads or writes, found through its lowering (workspaces left out). */
    static List<Tensor> tensorsOf(Op op) {
        List<Tensor> tensors = new ArrayList<>();
        for (KernelCall call : op.lower(Tensor::new)) {
            for (Object a : call.args()) {
                if (a instanceof Tensor t && !tensors.contains(t) && !t.name().contains(".partial")) {
                    tensors.add(t);
                }
            }
        }
        return tensors;
    }

    private static void fill(Tensor t, Random random) {
        float[] v = t.data();
        boolean positive = t.name().endsWith("running_var") || t.name().endsWith("inv_std");
        for (int i = 0; i < v.length; i++) {
            v[i] = positive ? 0.5f + random.nextFloat() : (float) random.nextGaussian();
        }
    }

    private static List<float[]> snapshot(List<Tensor> tensors) {
        List<float[]> copies = new ArrayList<>();
        tensors.forEach(t -> copies.add(t.data().clone()));
        return copies;
    }

    private static void restore(List<Tensor> tensors, List<float[]> values) {
        for (int i = 0; i < tensors.size(); i++) {
            System.arraycopy(values.get(i), 0, tensors.get(i).data(), 0, values.get(i).length);
        }
    }
}
