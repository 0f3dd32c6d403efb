package io.tornadoresnet.backend.jvm;

import com.sun.management.ThreadMXBean;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.nn.Sgd;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.tensor.Shape;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A compiled plan runs without allocating: every buffer and task was made when it was compiled. */
class StepAllocationTest {

    /** ResNet-8's direct convolutions; ResNet-18 at 56x56, whose 14x14 stage 1 (64 channels) runs as Winograd's. */
    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"resnet8, 3x16x16, 16", "resnet18, 3x56x56, 1"})
    void steadyStateTrainingStepsAllocateNothingOnTheCallingThread(String name, String input, int batch) {
        Assumptions.assumeTrue(ManagementFactory.getThreadMXBean() instanceof ThreadMXBean,
                "skipped: this JVM does not count allocated bytes per thread");
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        ResNet model = ResNets.create(name, Shape.parse(input), 10);
        model.initialize(0);
        Plan plan = model.compileTraining(batch, Sgd.PAPER);
        plan.learningRate().data()[0] = 0.01f;
        try (Backend backend = new JvmBackend(2); Backend.Executable step = backend.compile(plan)) {
            for (int i = 0; i < 200; i++) {
                step.run();
            }
            // Steady state: a window of 20 steps that allocates less than one object a step. A method the JIT
            // compiles late (the compiler's queue is long while other tests run) boxes its vectors until then.
            long thread = Thread.currentThread().getId();
            List<Long> windows = new ArrayList<>();
            while (windows.size() < 10 && (windows.isEmpty() || windows.get(windows.size() - 1) >= 16 * 20)) {
                long before = threads.getThreadAllocatedBytes(thread);
                for (int i = 0; i < 20; i++) {
                    step.run();
                }
                windows.add(threads.getThreadAllocatedBytes(thread) - before);
            }
            assertTrue(windows.get(windows.size() - 1) < 16 * 20,
                    "every window of 20 steps allocated more than one object a step: " + windows + " bytes");
        }
    }
}
