package io.tornadoresnet.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tornadoresnet.plan.HostMemory;
import io.tornadoresnet.plan.Mode;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.plan.Stage;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;
import java.lang.management.ManagementFactory;
import java.lang.reflect.RecordComponent;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A plan's memory is known from its shapes before it is allocated, and a plan that cannot fit is refused. */
class PlanMemoryTest {

    /** Every float and int buffer the plan and the model hold, each counted once. */
    private static long heldBytes(ResNet model, Plan plan) throws ReflectiveOperationException {
        Set<Object> buffers = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Stage stage : plan.stages()) {
            for (Op op : stage.ops()) {
                for (RecordComponent c : op.getClass().getRecordComponents()) {
                    Object value = c.getAccessor().invoke(op);
                    if (value instanceof Tensor t) {
                        buffers.add(t.data());
                    } else if (value instanceof int[] ints) {
                        buffers.add(ints);
                    }
                }
            }
        }
        buffers.add(plan.input().data());
        buffers.add(plan.labels());
        model.stateDict().values().forEach(t -> buffers.add(t.data()));
        if (plan.mode() == Mode.TRAIN) {
            model.parameters().forEach(p -> {
                buffers.add(p.grad().data());
                buffers.add(p.velocity().data());
            });
        }
        return buffers.stream().mapToLong(b -> 4L * (b instanceof int[] ints ? ints.length : ((float[]) b).length)).sum();
    }

    @Test
    void estimateIsWhatTheCompiledPlanHolds() throws ReflectiveOperationException {
        ResNet imageNetStyle = ResNets.create("resnet18", Shape.of(3, 32, 32), 5);
        Plan training = imageNetStyle.compileTraining(3, Sgd.PAPER);
        assertEquals(heldBytes(imageNetStyle, training), imageNetStyle.memoryNeeded(Mode.TRAIN, 3, Sgd.PAPER, false));
        ResNet cifar = ResNets.create("resnet8", Shape.of(1, 16, 16), 4);
        Plan inference = cifar.compileInference(2);
        assertEquals(heldBytes(cifar, inference), cifar.memoryNeeded(Mode.INFER, 2, null, false));
    }

    @Test
    void memoryInPartsAddsUpToTheEstimate() {
        ResNet model = ResNets.create("resnet18", Shape.of(3, 32, 32), 5);
        for (Mode mode : Mode.values()) {
            Sgd sgd = mode == Mode.TRAIN ? Sgd.PAPER : null;
            ResNet.Memory memory = model.memory(mode, 3, sgd);
            assertEquals(model.memoryNeeded(mode, 3, sgd, false), memory.total(), mode.toString());
            long stateFloats = model.stateDict().values().stream().mapToLong(Tensor::size).sum()
                    + (mode == Mode.TRAIN ? 2L * model.parameterCount() : 0);
            assertEquals(Float.BYTES * stateFloats, memory.state(), mode.toString());
            assertTrue(memory.planAtOnce() > 0 && memory.planAtOnce() < memory.plan(), memory.toString());
        }
    }

    @Test
    void aModelThatOnlyInfersHoldsNoGradientOrMomentum() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        ResNet model = ResNets.create("resnet50", Shape.of(3, 32, 32), 10);
        model.initialize(1);
        model.compileInference(1);
        long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        long weights = 4L * model.parameterCount();
        assertTrue(allocated < 1.5 * weights, "allocated " + allocated + " bytes for " + weights + " bytes of weights");
    }

    @Test
    void absurdBatchIsRefusedWithTheEstimateBeforeAllocating() {
        ResNet model = ResNets.create("resnet20", Shape.of(3, 32, 32), 10);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        HostMemory.TooLargeException e = assertThrows(HostMemory.TooLargeException.class,
                () -> model.compileTraining(1 << 20, Sgd.PAPER));
        long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        assertTrue(e.getMessage().matches("resnet20 at 3x32x32, batch 1048576 needs about 5\\.2 TiB for training;"
                + " this JVM may use [0-9.]+ [GMT]iB \\(-Xmx\\): lower the batch size or raise -Xmx"), e.getMessage());
        assertTrue(allocated < 64L << 20, "allocated " + allocated + " bytes before refusing");
        assertEquals("training", e.purpose());
        assertTrue(e.estimate().endsWith("(-Xmx)") && e.getMessage().startsWith(e.estimate()), e.estimate());
    }

    @Test
    void estimateGrowsWithTheBatchAsTheActivationsDo() {
        ResNet model = ResNets.create("resnet8", Shape.of(3, 16, 16), 10);
        long one = model.memoryNeeded(Mode.INFER, 1, null, false);
        long two = model.memoryNeeded(Mode.INFER, 2, null, false);
        long ten = model.memoryNeeded(Mode.INFER, 10, null, false);
        assertEquals(9 * (two - one), ten - one);
    }
}
