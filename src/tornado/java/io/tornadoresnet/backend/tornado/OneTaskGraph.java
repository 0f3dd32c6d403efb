package io.tornadoresnet.backend.tornado;

import io.tornadoresnet.plan.KernelCall;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One kernel call alone on a device, the way the tornado backend adds it to a stage's graph: one task
 * in one graph, every buffer copied in before and out after. The kernel checks run each kernel so.
 */
public final class OneTaskGraph {
    private static final AtomicInteger GRAPHS = new AtomicInteger();

    private OneTaskGraph() {
    }

    /** Runs the call on the device "driver:device" (null: TornadoVM's default), leaving its results in its buffers. */
    public static void run(KernelCall call, String device) {
        TornadoDevice target = TornadoDevices.byId(device);
        List<Object> arrays = Residency.TaskUse.of(call).arrays();
        TaskGraph g = new TaskGraph("kernel" + GRAPHS.incrementAndGet())
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, arrays.toArray());
        Tasks.add(g, "t", call);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, arrays.toArray());
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(g.snapshot())) {
            if (target != null) {
                plan.withDevice(target);
            }
            plan.execute();
        } catch (Exception e) {
            throw new IllegalStateException(call.kernel() + " failed on the device: " + e, e);
        }
    }
}
