package io.tornadoresnet.backend.tornado;

import io.tornadoresnet.backend.jvm.JvmBackend;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.Sgd;
import io.tornadoresnet.plan.Backend;
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
 * Whole training steps of one network under the tornado backend against the JVM backend: two
 * copies of the model with the same initial weights, fed the same batches, compared step by step.
 * The tests share one compiled plan per backend (compiling is the slow part on a CPU OpenCL
 * device) and run in order: the first step, the profiler's transfers, a 20-step loss curve, a push
 * of new weights, and inference.
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

    private ResNet jvmModel;
    private ResNet deviceModel;
    private Backend jvm;
    private TornadoBackend tornado;
    private Backend.Executable jvmStep;
    private TornadoExecutable deviceStep;
    private int stepsDone;
    private long firstStepMillis;

    abstract ResNet model();

    abstract int batch();

    abstract Sgd sgd();

    @BeforeAll
    void compile() {
        Conformance.assumeTornadoVm();
        jvmModel = model();
        deviceModel = model();
        jvmModel.initialize(42);
        deviceModel.initialize(42);
        jvm = new JvmBackend(1);
        tornado = new TornadoBackend(null, true);
        jvmStep = jvm.compile(jvmModel.compileTraining(batch(), sgd()));
        deviceStep = tornado.compile(deviceModel.compileTraining(batch(), sgd()));
    }

    @AfterAll
    void close() {
        for (AutoCloseable c : new AutoCloseable[] {deviceStep, jvmStep, tornado, jvm}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * The same batch and rate into both plans, one step each; returns {jvm loss, device loss}. The
     * batches cycle through four fixed ones and the rate is small, so that training is stable: in a
     * diverging run float rounding (the device compiler contracts to FMAs) grows without bound.
     */
    private float[] step() {
        Random random = new Random(1000 + stepsDone % 4);
        Plan a = jvmStep.plan();
        Plan b = deviceStep.plan();
        float[] x = a.input().data();
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        System.arraycopy(x, 0, b.input().data(), 0, x.length);
        for (int i = 0; i < a.labels().length; i++) {
            a.labels()[i] = random.nextInt(jvmModel.classes());
            b.labels()[i] = a.labels()[i];
        }
        float rate = stepsDone < STEPS / 2 ? 0.01f : 0.005f;
        a.learningRate().data()[0] = rate;
        b.learningRate().data()[0] = rate;
        jvmStep.run();
        long t = System.nanoTime();
        deviceStep.run();
        if (stepsDone == 0) {
            firstStepMillis = (System.nanoTime() - t) / 1_000_000;
        }
        stepsDone++;
        return new float[] {a.loss(), b.loss()};
    }

    private void assertStateClose(String when, double tol) {
        assertStateClose(when, tol, tol);
    }

    /** Pulls the device's model state and compares it, momentum buffers with their own tolerance. */
    private void assertStateClose(String when, double tol, double momentumTol) {
        deviceStep.pullModelState();
        List<Tensor> expected = jvmStep.plan().modelState();
        List<Tensor> actual = deviceStep.plan().modelState();
        assertEquals(expected.size(), actual.size());
        double worst = 0;
        double worstMomentum = 0;
        for (int i = 0; i < expected.size(); i++) {
            boolean momentum = expected.get(i).name().endsWith(".momentum");
            double e = Conformance.assertClose(when + ": " + expected.get(i).name(), actual.get(i).data(),
                    expected.get(i).data(), momentum ? momentumTol : tol);
            if (momentum) {
                worstMomentum = Math.max(worstMomentum, e);
            } else {
                worst = Math.max(worst, e);
            }
        }
        System.out.printf("%s %s: %d state tensors, worst scaled error %.2e (momentum buffers %.2e)%n",
                jvmModel.name(), when, expected.size(), worst, worstMomentum);
    }

    @Test
    @Order(1)
    void firstStepMatchesJvm() {
        float[] loss = step();
        System.out.printf("%s: first step (compile included) %d ms on %s, %d graphs (%d upload), %d launches/step%n",
                jvmModel.name(), firstStepMillis, tornado.device(), deviceStep.graphCount(),
                deviceStep.uploadGraphCount(), deviceStep.tasksPerStep());
        assertEquals(loss[0], loss[1], Conformance.STEP_TOL * Math.max(1, Math.abs(loss[0])), "loss");
        assertEquals(jvmStep.plan().correct(), deviceStep.plan().correct(), "correct");
        assertStateClose("after step 1", Conformance.STEP_TOL);
    }

    @Test
    @Order(2)
    void onlyBatchLabelsAndRateCrossTheBus() {
        step();
        Plan p = deviceStep.plan();
        long input = 4L * p.input().size() + HEADER;
        long labels = 4L * p.labels().length + HEADER;
        long rate = 4L + HEADER;
        long expectedIn = 2 * (input + labels + rate) + (long) LAUNCH_FRAME * deviceStep.tasksPerStep();
        long expectedOut = 4L * p.metrics().size() + HEADER;
        System.out.printf("%s: step %d copied in %d bytes (expected 2 x (%d + %d + %d) + %d x %d launches), out %d%n",
                jvmModel.name(), stepsDone, deviceStep.bytesCopiedIn(), input, labels, rate, LAUNCH_FRAME,
                deviceStep.tasksPerStep(), deviceStep.bytesCopiedOut());
        assertEquals(0, deviceStep.uploadBytesCopiedIn(), "the model state was uploaded again");
        assertEquals(expectedIn, deviceStep.bytesCopiedIn(), "bytes in per step");
        assertEquals(expectedOut, deviceStep.bytesCopiedOut(), "bytes out per step");
    }

    @Test
    @Order(3)
    void twentyStepsGiveTheSameLossCurve() {
        StringBuilder curve = new StringBuilder();
        while (stepsDone < STEPS) {
            float[] loss = step();
            curve.append(String.format(" %d:%.4f/%.4f", stepsDone, loss[0], loss[1]));
            assertEquals(loss[0], loss[1], Conformance.CURVE_TOL * Math.max(1, Math.abs(loss[0])),
                    "loss at step " + stepsDone + " (jvm/tornado so far:" + curve + ")");
        }
        System.out.println(jvmModel.name() + " loss jvm/tornado:" + curve);
        assertStateClose("after " + STEPS + " steps", Conformance.CURVE_STATE_TOL, Conformance.CURVE_MOMENTUM_TOL);
    }

    @Test
    @Order(4)
    void pushedWeightsAreUsed() {
        // new weights on the host of both models (the device's were pulled by the previous test)
        deviceStep.pullModelState();
        Random random = new Random(7);
        List<Tensor> a = jvmStep.plan().modelState();
        List<Tensor> b = deviceStep.plan().modelState();
        for (int i = 0; i < a.size(); i++) {
            float[] x = a.get(i).data();
            for (int j = 0; j < x.length; j++) {
                x[j] = a.get(i).name().contains("running_var") ? 1f + random.nextFloat() * 0.1f
                        : x[j] * (0.5f + random.nextFloat());
            }
            System.arraycopy(x, 0, b.get(i).data(), 0, x.length);
        }
        deviceStep.pushModelState();
        float[] loss = step();
        assertTrue(deviceStep.uploadBytesCopiedIn() > 0, "push did not upload");
        assertEquals(loss[0], loss[1], Conformance.STEP_TOL * Math.max(1, Math.abs(loss[0])), "loss after push");
        assertStateClose("after a push and a step", Conformance.STEP_TOL);
    }

    @Test
    @Order(5)
    void inferenceMatchesJvm() {
        deviceStep.pullModelState();
        try (Backend.Executable jvmInfer = jvm.compile(jvmModel.compileInference(batch()));
             TornadoExecutable deviceInfer = tornado.compile(deviceModel.compileInference(batch()))) {
            Random random = new Random(99);
            for (int round = 0; round < 2; round++) {
                Plan a = jvmInfer.plan();
                Plan b = deviceInfer.plan();
                float[] x = a.input().data();
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) random.nextGaussian();
                }
                System.arraycopy(x, 0, b.input().data(), 0, x.length);
                for (int i = 0; i < a.labels().length; i++) {
                    a.labels()[i] = random.nextInt(jvmModel.classes());
                    b.labels()[i] = a.labels()[i];
                }
                jvmInfer.run();
                deviceInfer.run();
                Conformance.assertClose("logits", b.logits().data(), a.logits().data(), Conformance.STEP_TOL);
                Conformance.assertClose("probabilities", b.probabilities().data(), a.probabilities().data(),
                        Conformance.STEP_TOL);
                Conformance.assertClose("metrics", b.metrics().data(), a.metrics().data(), Conformance.STEP_TOL);
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
