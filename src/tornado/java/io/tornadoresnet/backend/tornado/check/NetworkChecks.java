package io.tornadoresnet.backend.tornado.check;

import io.tornadoresnet.backend.jvm.JvmBackend;
import io.tornadoresnet.backend.tornado.TornadoBackend;
import io.tornadoresnet.backend.tornado.TornadoExecutable;
import io.tornadoresnet.check.Check;
import io.tornadoresnet.check.Errors;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.Sgd;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.KernelCall;
import io.tornadoresnet.plan.KernelReferenceBackend;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Whole training steps of one network under the tornado backend, against two references on the
 * JVM: the plain kernels ({@link KernelCall#bind()} of every lowered op, the very code the device
 * runs, so the same arithmetic up to the device compiler's FMA contraction) and the JVM backend
 * (its own blocked, vectorised routines, which sum in another order). Three copies of the model
 * start from the same weights and get the same batches. The checks share the compiled plans
 * (compiling is the slow part) and the steps run so far; each runs the steps it needs first, so
 * that any of them may also run alone: the first step, the bytes of the second, a 20-step loss
 * curve, a push of new weights and a step after it, and inference.
 *
 * <p>Transfers, as TornadoVM 5.2's profiler counts them on OpenCL and PTX: a Java array of b bytes
 * is a device buffer of b + 16 bytes (the array header travels too), and its copy in is counted
 * twice (the array wrapper's enqueueWrite returns a header event and a data event, and the
 * interpreter adds the buffer size for each; the data is sent once); copies out are counted once;
 * every kernel launch copies its 24-byte call-argument frame (3 reserved 8-byte slots), counted as
 * copy-in. So after the first step a training step must count exactly
 * {@code 2 (input + 16) + 2 (labels + 16) + 2 (4 + 16) + 24 launches} bytes in, and
 * {@code 8 + 16} (the two metrics) out: no weight, gradient, momentum or activation crosses.
 */
final class NetworkChecks implements AutoCloseable {
    static final int STEPS = 20;
    static final int HEADER = 16;
    static final int LAUNCH_FRAME = 24;

    private final String group;
    private final Supplier<ResNet> model;
    private final int batch;
    private final Sgd sgd;
    private final TornadoBackend tornado;
    private final JvmBackend jvmBackend;

    /** The three ways to run the plan: plain kernels on the JVM, the JVM backend, the tornado backend. */
    private final Run kernels = new Run("kernels");
    private final Run jvm = new Run("jvm backend");
    private final Run device = new Run("tornado");
    private boolean compiled;
    private int stepsDone;
    private double firstStepSeconds;
    /** Losses {kernels, jvm, tornado} of each step. */
    private final List<float[]> losses = new ArrayList<>();
    private final int[] firstCorrect = new int[3];
    private long[] secondStepBytes;
    private Snapshot afterFirst;
    private Snapshot afterCurve;
    private Snapshot afterPush;
    private float[] pushLoss;
    private long pushUploadBytes;
    private Inference inference;
    private SplitStep splitStep;

    private static final class Run {
        final String name;
        ResNet model;
        Backend.Executable step;

        Run(String name) {
            this.name = name;
        }

        Plan plan() {
            return step.plan();
        }
    }

    /** The model states of the three runs at one moment (the device's pulled). */
    private record Snapshot(List<Tensor> kernels, List<float[]> jvm, List<float[]> device) {
    }

    /** A step in two halves with the gradients changed on the host in between: errors and bytes. */
    private record SplitStep(Check.Measured vsWholeStep, Check.Measured hostGradients, long bytesError, String bytes) {
    }

    /** Scaled errors of the device's inference outputs against each reference, and its bytes. */
    private record Inference(Check.Measured vsKernels, Check.Measured vsJvm, long bytesError, String bytes) {
    }

    NetworkChecks(String group, Supplier<ResNet> model, int batch, Sgd sgd, TornadoBackend tornado,
                  JvmBackend jvmBackend) {
        this.group = group;
        this.model = model;
        this.batch = batch;
        this.sgd = sgd;
        this.tornado = tornado;
        this.jvmBackend = jvmBackend;
    }

    List<Check> checks() {
        String g = group + "/";
        return List.of(
                new Check(g + "first step loss vs kernels", Tolerances.STEP, () -> {
                    stepTo(1);
                    TornadoExecutable d = deviceStep();
                    return new Check.Measured(Errors.loss(losses.get(0)[2], losses.get(0)[0]), String.format(
                            "first step (compile included) %.1f s; %d graphs (%d upload), %d launches per step",
                            firstStepSeconds, d.graphCount(), d.uploadGraphCount(), d.tasksPerStep()));
                }),
                new Check(g + "first step loss vs jvm backend", Tolerances.JVM_STEP, () -> {
                    stepTo(1);
                    return Check.Measured.of(Errors.loss(losses.get(0)[2], losses.get(0)[1]));
                }),
                new Check(g + "first step correct count", Tolerances.EXACT, () -> {
                    stepTo(1);
                    return new Check.Measured(Math.abs(firstCorrect[2] - firstCorrect[0]),
                            "tornado " + firstCorrect[2] + ", kernels " + firstCorrect[0]);
                }),
                new Check(g + "first step state vs kernels", Tolerances.STEP, () -> {
                    stepTo(1);
                    return stateError(afterFirst.kernels, floats(afterFirst.kernels), afterFirst.device, true, true);
                }),
                new Check(g + "first step state vs jvm backend", Tolerances.JVM_STEP, () -> {
                    stepTo(1);
                    return stateError(afterFirst.kernels, afterFirst.jvm, afterFirst.device, true, true);
                }),
                new Check(g + "bytes per step", Tolerances.EXACT, this::secondStepBytes),
                new Check(g + "20-step losses vs kernels", Tolerances.CURVE, () -> curve(0)),
                new Check(g + "20-step losses vs jvm backend", Tolerances.JVM_CURVE, () -> curve(1)),
                new Check(g + "state after 20 steps vs kernels", Tolerances.CURVE_STATE, () -> {
                    stepTo(STEPS);
                    return stateError(afterCurve.kernels, floats(afterCurve.kernels), afterCurve.device, true, false);
                }),
                new Check(g + "momentum after 20 steps vs kernels", Tolerances.CURVE_MOMENTUM, () -> {
                    stepTo(STEPS);
                    return stateError(afterCurve.kernels, floats(afterCurve.kernels), afterCurve.device, false, true);
                }),
                new Check(g + "step after a push vs kernels", Tolerances.STEP, () -> pushed(true)),
                new Check(g + "step after a push vs jvm backend", Tolerances.JVM_STEP, () -> pushed(false)),
                new Check(g + "split step vs whole step", Tolerances.STEP, () -> splitStep().vsWholeStep()),
                new Check(g + "split step update with gradients from the host vs kernels", Tolerances.STEP,
                        () -> splitStep().hostGradients()),
                new Check(g + "split step bytes", Tolerances.EXACT,
                        () -> new Check.Measured(splitStep().bytesError(), splitStep().bytes())),
                new Check(g + "inference vs kernels", Tolerances.STEP, () -> inference().vsKernels()),
                new Check(g + "inference vs jvm backend", Tolerances.JVM_STEP, () -> inference().vsJvm()),
                new Check(g + "inference bytes per batch", Tolerances.EXACT,
                        () -> new Check.Measured(inference().bytesError(), inference().bytes())));
    }

    private TornadoExecutable deviceStep() {
        return (TornadoExecutable) device.step;
    }

    private void compile() {
        if (compiled) {
            return;
        }
        for (Run r : List.of(kernels, jvm, device)) {
            r.model = model.get();
            r.model.initialize(42);
        }
        kernels.step = new KernelReferenceBackend().compile(kernels.model.compileTraining(batch, sgd));
        jvm.step = jvmBackend.compile(jvm.model.compileTraining(batch, sgd));
        device.step = tornado.compile(device.model.compileTraining(batch, sgd));
        compiled = true;
    }

    /** Runs steps until {@code n} are done, keeping what the checks of each moment compare. */
    private void stepTo(int n) {
        compile();
        while (stepsDone < n) {
            float[] loss = step();
            losses.add(loss);
            if (stepsDone == 1) {
                firstCorrect[0] = kernels.plan().correct();
                firstCorrect[1] = jvm.plan().correct();
                firstCorrect[2] = device.plan().correct();
                afterFirst = snapshot();
            } else if (stepsDone == 2) {
                TornadoExecutable d = deviceStep();
                secondStepBytes = new long[] {d.bytesCopiedIn(), d.bytesCopiedOut(), d.uploadBytesCopiedIn()};
            } else if (stepsDone == STEPS) {
                afterCurve = snapshot();
            }
        }
    }

    private Snapshot snapshot() {
        device.step.pullModelState();
        List<float[]> jvmState = new ArrayList<>();
        jvm.plan().modelState().forEach(t -> jvmState.add(t.data().clone()));
        List<float[]> deviceState = new ArrayList<>();
        device.plan().modelState().forEach(t -> deviceState.add(t.data().clone()));
        List<Tensor> kernelState = new ArrayList<>();
        kernels.plan().modelState().forEach(t -> {
            Tensor copy = new Tensor(t.name(), t.shape());
            System.arraycopy(t.data(), 0, copy.data(), 0, t.size());
            kernelState.add(copy);
        });
        return new Snapshot(kernelState, jvmState, deviceState);
    }

    private static List<float[]> floats(List<Tensor> tensors) {
        return tensors.stream().map(Tensor::data).toList();
    }

    /** The worst scaled error of the device's state tensors against a reference's, momentum buffers or the others. */
    private static Check.Measured stateError(List<Tensor> named, List<float[]> reference, List<float[]> actual,
                                             boolean others, boolean momentum) {
        Check.Measured worst = Check.Measured.of(0);
        for (int i = 0; i < named.size(); i++) {
            boolean isMomentum = named.get(i).name().endsWith(".momentum");
            if (isMomentum ? momentum : others) {
                worst = worst.worse(new Check.Measured(Errors.scaled(actual.get(i), reference.get(i)),
                        named.get(i).name()));
            }
        }
        return worst;
    }

    /**
     * The same batch and rate into the three plans, one step each; returns the losses {kernels,
     * jvm, tornado}. The batches cycle through four fixed ones and the rate is small, so that
     * training is stable: in a diverging run float rounding grows without bound.
     */
    private float[] step() {
        Plan a = kernels.plan();
        randomBatch(a, new Random(1000 + stepsDone % 4), kernels.model.classes());
        a.learningRate().data()[0] = stepsDone < STEPS / 2 ? 0.01f : 0.005f;
        for (Run r : List.of(jvm, device)) {
            copyBatch(a, r.plan());
            r.plan().learningRate().data()[0] = a.learningRate().data()[0];
        }
        kernels.step.run();
        jvm.step.run();
        long t = System.nanoTime();
        device.step.run();
        if (stepsDone == 0) {
            firstStepSeconds = (System.nanoTime() - t) / 1e9;
        }
        stepsDone++;
        return new float[] {kernels.plan().loss(), jvm.plan().loss(), device.plan().loss()};
    }

    private Check.Measured secondStepBytes() {
        stepTo(2);
        Plan p = device.plan();
        long input = 4L * p.input().size() + HEADER;
        long labels = 4L * p.labels().length + HEADER;
        long rate = 4L + HEADER;
        int launches = deviceStep().tasksPerStep();
        long expectedIn = 2 * (input + labels + rate) + (long) LAUNCH_FRAME * launches;
        long expectedOut = 4L * p.metrics().size() + HEADER;
        long error = Math.abs(secondStepBytes[0] - expectedIn) + Math.abs(secondStepBytes[1] - expectedOut)
                + secondStepBytes[2];
        return new Check.Measured(error, String.format("in %d bytes (expected 2 x (%d + %d + %d) + %d x %d launches = %d), "
                        + "out %d (expected %d), model state uploaded again %d", secondStepBytes[0], input, labels, rate,
                LAUNCH_FRAME, launches, expectedIn, secondStepBytes[1], expectedOut, secondStepBytes[2]));
    }

    private Check.Measured curve(int reference) {
        stepTo(STEPS);
        Check.Measured worst = Check.Measured.of(0);
        for (int s = 0; s < STEPS; s++) {
            float[] l = losses.get(s);
            worst = worst.worse(new Check.Measured(Errors.loss(l[2], l[reference]),
                    String.format("step %d: tornado %.5f, %s %.5f", s + 1, l[2], reference == 0 ? "kernels" : "jvm", l[reference])));
        }
        return worst;
    }

    /**
     * New weights on the host of all three models (scaled at random, running variances near one),
     * pushed to the device, then one step: loss and state against a reference. A push that uploads
     * nothing makes the error infinite.
     */
    private Check.Measured pushed(boolean vsKernels) {
        if (afterPush == null) {
            stepTo(STEPS);
            device.step.pullModelState();
            Random random = new Random(7);
            List<Tensor> reference = kernels.plan().modelState();
            for (int i = 0; i < reference.size(); i++) {
                float[] x = reference.get(i).data();
                for (int j = 0; j < x.length; j++) {
                    x[j] = reference.get(i).name().contains("running_var") ? 1f + random.nextFloat() * 0.1f
                            : x[j] * (0.5f + random.nextFloat());
                }
                System.arraycopy(x, 0, jvm.plan().modelState().get(i).data(), 0, x.length);
                System.arraycopy(x, 0, device.plan().modelState().get(i).data(), 0, x.length);
            }
            jvm.step.pushModelState();
            device.step.pushModelState();
            pushLoss = step();
            pushUploadBytes = deviceStep().uploadBytesCopiedIn();
            afterPush = snapshot();
        }
        if (pushUploadBytes <= 0) {
            return new Check.Measured(Double.POSITIVE_INFINITY, "the push uploaded nothing");
        }
        List<float[]> reference = vsKernels ? floats(afterPush.kernels) : afterPush.jvm;
        Check.Measured loss = new Check.Measured(Errors.loss(pushLoss[2], pushLoss[vsKernels ? 0 : 1]), "loss");
        return loss.worse(stateError(afterPush.kernels, reference, afterPush.device, true, true));
    }

    /**
     * Two steps of a plan that exchanges its gradients on the device. The first, its gradients left
     * as they came out, against a whole step of the same batch on the device (the same kernels, so
     * the same bits). In the second the gradients are replaced on the host by zeros (what the host
     * sends must be what the update reads): the update against the plain SGD kernel from the state
     * the device had before it; and that step's bytes, a whole step's plus every gradient out once
     * and in once.
     */
    private SplitStep splitStep() {
        if (splitStep != null) {
            return splitStep;
        }
        ResNet splitModel = model.get();
        ResNet wholeModel = model.get();
        ResNet kernelModel = model.get();
        for (ResNet m : List.of(splitModel, wholeModel, kernelModel)) {
            m.initialize(43);
        }
        long bytesError;
        String bytes;
        Check.Measured vsWhole;
        Check.Measured replaced;
        try (TornadoExecutable d = tornado.compile(splitModel.compileTraining(batch, sgd).exchangingGradients());
             TornadoExecutable whole = tornado.compile(wholeModel.compileTraining(batch, sgd));
             Backend.Executable k = new KernelReferenceBackend().compile(
                     kernelModel.compileTraining(batch, sgd).exchangingGradients())) {
            Plan b = d.plan();
            randomBatch(b, new Random(2000), splitModel.classes());
            copyBatch(b, whole.plan());
            b.learningRate().data()[0] = 0.01f;
            whole.plan().learningRate().data()[0] = 0.01f;
            d.computeGradients();
            d.applyGradients();
            whole.run();
            d.pullModelState();
            whole.pullModelState();
            List<Tensor> named = b.modelState();
            vsWhole = stateError(named, floats(whole.plan().modelState()), floats(named), true, true);

            randomBatch(b, new Random(2001), splitModel.classes());
            d.computeGradients();
            d.pullModelState();
            Plan a = k.plan();
            for (int i = 0; i < named.size(); i++) {
                System.arraycopy(named.get(i).data(), 0, a.modelState().get(i).data(), 0, named.get(i).size());
            }
            long gradientBytes = 0;
            for (int i = 0; i < b.gradients().size(); i++) {
                java.util.Arrays.fill(b.gradients().get(i).data(), 0f);
                java.util.Arrays.fill(a.gradients().get(i).data(), 0f);
                gradientBytes += 4L * b.gradients().get(i).size() + HEADER;
            }
            a.learningRate().data()[0] = 0.01f;
            d.applyGradients();
            k.applyGradients();
            d.pullModelState();
            replaced = stateError(named, floats(a.modelState()), floats(named), true, true);
            long input = 4L * b.input().size() + HEADER;
            long labels = 4L * b.labels().length + HEADER;
            long rate = 4L + HEADER;
            long expectedIn = 2 * (input + labels + rate + gradientBytes) + (long) LAUNCH_FRAME * d.tasksPerStep();
            long expectedOut = 4L * b.metrics().size() + HEADER + gradientBytes;
            bytesError = Math.abs(d.bytesCopiedIn() - expectedIn) + Math.abs(d.bytesCopiedOut() - expectedOut);
            bytes = String.format("in %d bytes (expected %d: a whole step's and 2 x %d of gradients), out %d "
                    + "(expected %d)", d.bytesCopiedIn(), expectedIn, gradientBytes, d.bytesCopiedOut(), expectedOut);
        }
        splitStep = new SplitStep(vsWhole, replaced, bytesError, bytes);
        return splitStep;
    }

    /** Two rounds of inference on random batches from each model's current weights; the second's bytes. */
    private Inference inference() {
        if (inference != null) {
            return inference;
        }
        compile();
        if (stepsDone > 0) {
            device.step.pullModelState();
        }
        Check.Measured vsKernels = Check.Measured.of(0);
        Check.Measured vsJvm = Check.Measured.of(0);
        String bytes = "";
        long bytesError = 0;
        try (Backend.Executable kernelsInfer = new KernelReferenceBackend().compile(kernels.model.compileInference(batch));
             Backend.Executable jvmInfer = jvmBackend.compile(jvm.model.compileInference(batch));
             TornadoExecutable deviceInfer = tornado.compile(device.model.compileInference(batch))) {
            Random random = new Random(99);
            for (int round = 0; round < 2; round++) {
                Plan a = kernelsInfer.plan();
                randomBatch(a, random, kernels.model.classes());
                copyBatch(a, jvmInfer.plan());
                copyBatch(a, deviceInfer.plan());
                kernelsInfer.run();
                jvmInfer.run();
                deviceInfer.run();
                Plan b = deviceInfer.plan();
                vsKernels = vsKernels.worse(outputsError(b, a));
                vsJvm = vsJvm.worse(outputsError(b, jvmInfer.plan()));
                if (round == 1) {
                    long input = 4L * b.input().size() + HEADER;
                    long labels = 4L * b.labels().length + HEADER;
                    long expectedIn = 2 * (input + labels) + (long) LAUNCH_FRAME * deviceInfer.tasksPerStep();
                    long expectedOut = 4L * (b.metrics().size() + b.logits().size() + b.probabilities().size())
                            + 3 * HEADER;
                    bytesError = Math.abs(deviceInfer.bytesCopiedIn() - expectedIn)
                            + Math.abs(deviceInfer.bytesCopiedOut() - expectedOut);
                    bytes = String.format("in %d bytes (expected %d), out %d (expected %d)", deviceInfer.bytesCopiedIn(),
                            expectedIn, deviceInfer.bytesCopiedOut(), expectedOut);
                }
            }
        }
        inference = new Inference(vsKernels, vsJvm, bytesError, bytes);
        return inference;
    }

    private static Check.Measured outputsError(Plan actual, Plan reference) {
        return new Check.Measured(Errors.scaled(actual.logits().data(), reference.logits().data()), "logits")
                .worse(new Check.Measured(Errors.scaled(actual.probabilities().data(),
                        reference.probabilities().data()), "probabilities"))
                .worse(new Check.Measured(Errors.scaled(actual.metrics().data(), reference.metrics().data()), "metrics"));
    }

    /** Gaussian images and uniform labels into the plan's input. */
    private static void randomBatch(Plan plan, Random random, int classes) {
        float[] x = plan.input().data();
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < plan.labels().length; i++) {
            plan.labels()[i] = random.nextInt(classes);
        }
    }

    private static void copyBatch(Plan from, Plan to) {
        System.arraycopy(from.input().data(), 0, to.input().data(), 0, from.input().data().length);
        System.arraycopy(from.labels(), 0, to.labels(), 0, from.labels().length);
    }

    @Override
    public void close() {
        for (Run r : List.of(device, jvm, kernels)) {
            if (r.step != null) {
                r.step.close();
            }
        }
    }
}
