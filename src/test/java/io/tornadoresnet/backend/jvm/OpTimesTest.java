package io.tornadoresnet.backend.jvm;

import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.nn.Sgd;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.tensor.Shape;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Timing a plan's steps (bench --ops) counts every step once a run and leaves the results as they were. */
class OpTimesTest {

    @Test
    void everyStepIsCountedOnceARunUnderItsLabel() {
        OpTimes times = new OpTimes();
        Plan plan = plan();
        try (Backend backend = new JvmBackend(2); Backend.Executable step = ((JvmBackend) backend).compile(plan, times)) {
            step.run();
            times.reset();
            assertTrue(times.entries().stream().allMatch(e -> e.calls() == 0 && e.seconds() == 0), "after reset");
            long start = System.nanoTime();
            for (int i = 0; i < 3; i++) {
                step.run();
            }
            double wall = (System.nanoTime() - start) / 1e9;
            List<OpTimes.Entry> entries = times.entries();
            for (OpTimes.Entry e : entries) {
                assertEquals(0, e.calls() % 3, e.label() + " ran " + e.calls() + " times in 3 runs");
                assertTrue(e.calls() > 0, e.label());
            }
            double total = entries.stream().mapToDouble(OpTimes.Entry::seconds).sum();
            assertTrue(total > 0 && total <= wall, total + " s counted in " + wall + " s");
            for (int i = 1; i < entries.size(); i++) {
                assertTrue(entries.get(i - 1).seconds() >= entries.get(i).seconds(), "longest first");
            }
            List<String> labels = entries.stream().map(OpTimes.Entry::label).toList();
            // ResNet-8's stem, on 3x16x16 images: 3 channels in, 16 out, 3x3 kernels of stride 1
            assertTrue(labels.contains("conv forward 3x16x16->16 3x3/1"), labels.toString());
            assertTrue(labels.contains("conv weight gradient 3x16x16->16 3x3/1"), labels.toString());
            assertTrue(labels.contains("conv input gradient 16x16x16->32 3x3/2"), labels.toString());
        }
    }

    @Test
    void timedStepsComputeWhatUntimedOnesDo() {
        Plan timed = plan();
        Plan plain = plan();
        try (Backend backend = new JvmBackend(2);
             Backend.Executable a = ((JvmBackend) backend).compile(timed, new OpTimes());
             Backend.Executable b = backend.compile(plain)) {
            for (int i = 0; i < 3; i++) {
                a.run();
                b.run();
                // the loss of the step's forward pass, after the updates of the steps before it
                assertEquals(plain.loss(), timed.loss(), "step " + i);
            }
        }
    }

    private static Plan plan() {
        ResNet model = ResNets.create("resnet8", Shape.of(3, 16, 16), 10);
        model.initialize(0);
        Plan plan = model.compileTraining(4, Sgd.PAPER);
        Random random = new Random(1);
        float[] x = plan.input().data();
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < 4; i++) {
            plan.labels()[i] = random.nextInt(10);
        }
        plan.learningRate().data()[0] = 0.01f;
        return plan;
    }
}
