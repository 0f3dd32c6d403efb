package io.tornadoresnet.backend.tornado;

import io.tornadoresnet.backend.jvm.JvmBackend;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.Sgd;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.KernelReferenceBackend;
import io.tornadoresnet.plan.KernelCall;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole training steps of one network under the tornado backend, against two references on the
 * JVM: the plain kernels ({@link KernelCall#bind()} of every lowered op, the very code the device
 * runs, so the same arithmetic up to the device compiler's FMA contraction) and the JVM backend
 * (its own blocked, vectorised routines, which sum in another order). Three copies of the model
 * start from the same weights and get the same batches. The tests share the compiled plans
 * (compiling is the slow part on a CPU OpenCL device) and run in order: the first step, the
 * profiler's transfers, a 20-step loss curve, a push of new weights, and inference.
 *
 * <p>Transfers, as TornadoVM 5.2's profiler counts them on OpenCL: a Java array of b bytes is a
 * device buffer of b + 16 bytes (the array header travels too), and its copy in is counted twice
 * (OCLArrayWrapper#enqueueWrite returns a header event and a data event and the interpreter adds
 * the buffer size for each; the data is sent once); copies out are counted once; every kernel
 * launch copies its 24-byte call-argument frame (OCLKernelStackFrame, 3 reserved 8-byte slots),
 * counted as copy-in. So after the first step a training step must count exactly
 * {@code 2 (input + 16) + 2 (labels + 16) + 2 (4 + 16) + 24 launches} bytes in, and
 * {@code 8 + 16} (the two metrics) out: no weight, gradient, momentum or activation crosses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class NetworkConformance {
    static final int STEPS = 20;
    static final int HEADER = 16;
    static final int LAUNCH_FRAME = 24;

    /** The three ways to run a plan: plain kernels on the JVM, the JVM backend, the tornado backend. */
    private final Run kernels = new Run("kernels");
    private final Run jvm = new Run("jvm");
    private final Run device = new Run("tornado");
    private JvmBackend jvmBackend;
    private TornadoBackend tornado;
    private int stepsDone;
    private long firstStepMillis;

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

    abstract ResNet model();

    abstract int batch();

    abstract Sgd sgd();

    @BeforeAll
    void compile() {
        Conformance.assumeTornadoVm();
        for (Run r : List.of(kernels, jvm, device)) {
            r.model = model();
            r.model.initialize(42);
        }
        jvmBackend = new JvmBackend(1);
        tornado = new TornadoBackend(null, true);
        kernels.step = new KernelReferenceBackend().compile(kernels.model.compileTraining(batch(), sgd()));
        jvm.step = jvmBackend.compile(jvm.model.compileTraining(batch(), sgd()));
        device.step = tornado.compile(device.model.compileTraining(batch(), sgd()));
    }

    @AfterAll
    void close() {
        for (AutoCloseable c : new AutoCloseable[] {device.step, jvm.step, tornado, jvmBackend}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private TornadoExecutable deviceStep() {
        return (TornadoExecutable) device.step;
    }

    /** Gaussian images and uniform labels into the plan's input. */
    private void randomBatch(Plan plan, Random random) {
        float[] x = plan.input().data();
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < plan.labels().length; i++) {
            plan.labels()[i] = random.nextInt(kernels.model.classes());
        }
    }

    private static void copyBatch(Plan from, Plan to) {
        System.arraycopy(from.input().data(), 0, to.input().data(), 0, from.input().data().length);
        System.arraycopy(from.labels(), 0, to.labels(), 0, from.labels().length);
    }

    /**
     * The same batch and rate into the three plans, one step each; returns the losses {kernels,
     * jvm, tornado}. The batches cycle through four fixed ones and the rate is small, so that
     * training is stable: in a diverging run float rounding grows without bound.
     */
    private float[] step() {
        Plan a = kernels.plan();
        randomBatch(a, new Random(1000 + stepsDone % 4));
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
            firstStepMillis = (System.nanoTime() - t) / 1_000_000;
        }
        stepsDone++;
        return new float[] {kernels.plan().loss(), jvm.plan().loss(), device.plan().loss()};
    }

    /** Pulls the device's model state and compares it with a reference's, momentum buffers with their own tolerance. */
    private void assertStateClose(Run reference, String when, double tol, double momentumTol) {
        device.step.pullModelState();
        List<Tensor> expected = reference.plan().modelState();
        List<Tensor> actual = device.plan().modelState();
        assertEquals(expected.size(), actual.size());
        double worst = 0;
        double worstMomentum = 0;
        for (int i = 0; i < expected.size(); i++) {
            boolean momentum = expected.get(i).name().endsWith(".momentum");
            double e = Conformance.assertClose(when + " vs " + reference.name + ": " + expected.get(i).name(),
                    actual.get(i).data(), expected.get(i).data(), momentum ? momentumTol : tol);
            if (momentum) {
                worstMomentum = Math.max(worstMomentum, e);
            } else {
                worst = Math.max(worst, e);
            }
        }
        System.out.printf("%s %s, tornado vs %s: %d state tensors, worst scaled error %.2e (momentum buffers %.2e)%n",
                kernels.model.name(), when, reference.name, expected.size(), worst, worstMomentum);
    }

    private static void assertLoss(String what, float expected, float actual, double tol) {
        assertEquals(expected, actual, tol * Math.max(1, Math.abs(expected)), what);
    }

    @Test
    @Order(1)
    void firstStepMatchesJvm() {
        float[] loss = step();
        System.out.printf("%s: first step (compile included) %d ms on %s, %d graphs (%d upload), %d launches/step%n",
                kernels.model.name(), firstStepMillis, tornado.device(), deviceStep().graphCount(),
                deviceStep().uploadGraphCount(), deviceStep().tasksPerStep());
        assertLoss("loss vs kernels", loss[0], loss[2], Conformance.STEP_TOL);
        assertLoss("loss vs jvm backend", loss[1], loss[2], Conformance.JVM_STEP_TOL);
        assertEquals(kernels.plan().correct(), device.plan().correct(), "correct");
        assertStateClose(kernels, "after step 1", Conformance.STEP_TOL, Conformance.STEP_TOL);
        assertStateClose(jvm, "after step 1", Conformance.JVM_STEP_TOL, Conformance.JVM_STEP_TOL);
    }

    @Test
    @Order(2)
    void onlyBatchLabelsAndRateCrossTheBus() {
        step();
        Plan p = device.plan();
        TornadoExecutable d = deviceStep();
        long input = 4L * p.input().size() + HEADER;
        long labels = 4L * p.labels().length + HEADER;
        long rate = 4L + HEADER;
        long expectedIn = 2 * (input + labels + rate) + (long) LAUNCH_FRAME * d.tasksPerStep();
        long expectedOut = 4L * p.metrics().size() + HEADER;
        System.out.printf("%s: step %d copied in %d bytes (expected 2 x (%d + %d + %d) + %d x %d launches), out %d%n",
                kernels.model.name(), stepsDone, d.bytesCopiedIn(), input, labels, rate, LAUNCH_FRAME,
                d.tasksPerStep(), d.bytesCopiedOut());
        assertEquals(0, d.uploadBytesCopiedIn(), "the model state was uploaded again");
        assertEquals(expectedIn, d.bytesCopiedIn(), "bytes in per step");
        assertEquals(expectedOut, d.bytesCopiedOut(), "bytes out per step");
    }

    @Test
    @Order(3)
    void twentyStepsGiveTheSameLossCurve() {
        StringBuilder curve = new StringBuilder();
        double worstVsJvm = 0;
        while (stepsDone < STEPS) {
            float[] loss = step();
            curve.append(String.format(" %d:%.4f/%.4f/%.4f", stepsDone, loss[0], loss[1], loss[2]));
            String so = " (kernels/jvm/tornado so far:" + curve + ")";
            assertLoss("loss vs kernels at step " + stepsDone + so, loss[0], loss[2], Conformance.CURVE_TOL);
            assertLoss("loss vs jvm backend at step " + stepsDone + so, loss[1], loss[2], Conformance.JVM_CURVE_TOL);
            worstVsJvm = Math.max(worstVsJvm, Math.abs(loss[1] - loss[2]) / Math.max(1, Math.abs(loss[1])));
        }
        System.out.printf("%s loss kernels/jvm/tornado:%s (worst relative difference tornado vs jvm %.2e)%n",
                kernels.model.name(), curve, worstVsJvm);
        assertStateClose(kernels, "after " + STEPS + " steps", Conformance.CURVE_STATE_TOL,
                Conformance.CURVE_MOMENTUM_TOL);
    }

    @Test
    @Order(4)
    void pushedWeightsAreUsed() {
        // new weights on the host of all three models (the device's were pulled by the previous test)
        device.step.pullModelState();
        Random random = new Random(7);
        List<Tensor> ref = kernels.plan().modelState();
        for (int i = 0; i < ref.size(); i++) {
            float[] x = ref.get(i).data();
            for (int j = 0; j < x.length; j++) {
                x[j] = ref.get(i).name().contains("running_var") ? 1f + random.nextFloat() * 0.1f
                        : x[j] * (0.5f + random.nextFloat());
            }
            System.arraycopy(x, 0, jvm.plan().modelState().get(i).data(), 0, x.length);
            System.arraycopy(x, 0, device.plan().modelState().get(i).data(), 0, x.length);
        }
        device.step.pushModelState();
        float[] loss = step();
        assertTrue(deviceStep().uploadBytesCopiedIn() > 0, "push did not upload");
        assertLoss("loss after push vs kernels", loss[0], loss[2], Conformance.STEP_TOL);
        assertLoss("loss after push vs jvm backend", loss[1], loss[2], Conformance.JVM_STEP_TOL);
        assertStateClose(kernels, "after a push and a step", Conformance.STEP_TOL, Conformance.STEP_TOL);
        assertStateClose(jvm, "after a push and a step", Conformance.JVM_STEP_TOL, Conformance.JVM_STEP_TOL);
    }

    @Test
    @Order(5)
    void inferenceMatchesJvm() {
        device.step.pullModelState();
        Backend.Executable kernelsInfer = new KernelReferenceBackend().compile(kernels.model.compileInference(batch()));
        try (Backend.Executable jvmInfer = jvmBackend.compile(jvm.model.compileInference(batch()));
             TornadoExecutable deviceInfer = tornado.compile(device.model.compileInference(batch()))) {
            Random random = new Random(99);
            for (int round = 0; round < 2; round++) {
                Plan a = kernelsInfer.plan();
                randomBatch(a, random);
                for (Plan p : List.of(jvmInfer.plan(), deviceInfer.plan())) {
                    copyBatch(a, p);
                }
                kernelsInfer.run();
                jvmInfer.run();
                deviceInfer.run();
                Plan b = deviceInfer.plan();
                for (Plan ref : List.of(a, jvmInfer.plan())) {
                    double tol = ref == a ? Conformance.STEP_TOL : Conformance.JVM_STEP_TOL;
                    String vs = ref == a ? " vs kernels" : " vs jvm backend";
                    Conformance.assertClose("logits" + vs, b.logits().data(), ref.logits().data(), tol);
                    Conformance.assertClose("probabilities" + vs, b.probabilities().data(), ref.probabilities().data(), tol);
                    Conformance.assertClose("metrics" + vs, b.metrics().data(), ref.metrics().data(), tol);
                }
                if (round == 1) {
                    long input = 4L * b.input().size() + HEADER;
                    long labels = 4L * b.labels().length + HEADER;
                    long expectedOut = 4L * (b.metrics().size() + b.logits().size() + b.probabilities().size())
                            + 3 * HEADER;
                    assertEquals(2 * (input + labels) + (long) LAUNCH_FRAME * deviceInfer.tasksPerStep(),
                            deviceInfer.bytesCopiedIn(), "inference bytes in per batch");
                    assertEquals(expectedOut, deviceInfer.bytesCopiedOut(), "inference bytes out per batch");
                }
            }
        }
    }
}
