package io.tornadoresnet.backend.tornado;

import io.tornadoresnet.plan.KernelCall;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One device task alone on a device, the way the tornado backend adds it to a stage's graph: one task
 * in one graph, every buffer copied in before and out after, and a task with its own launch shape
 * (a KernelContext routine) run with it. The kernel checks run each kernel and each routine so.
 */
public final class OneTaskGraph {
    private static final AtomicInteger GRAPHS = new AtomicInteger();

    private OneTaskGraph() {
    }

    /** Runs the call's plain kernel on the device "driver:device" (null: TornadoVM's default), leaving its results in its buffers. */
    public static void run(KernelCall call, String device) {
        run(new DeviceTask.Plain(call), device);
    }

    /**
     * Runs a convolution call with the tiled kernels instead of the plain one.
     *
     * @param tile the tile as {@code -Dresnet.tornado.conv.tile} takes it, {@code WXxWY/RMxRN/TK}
     */
    public static void runTiled(KernelCall convolution, String tile, String device) {
        if (!ConvTasks.isConvolution(convolution)) {
            throw new IllegalArgumentException("only convolutions run tiled, not " + convolution.kernel());
        }
        ConvTiling tiling = ConvTiling.parse(tile);
        if (tiling == null) {
            throw new IllegalArgumentException("a tiled run needs a tile, not " + tile);
        }
        run(new DeviceTask.TiledConv(convolution, tiling), device);
    }

    /** Runs a convolution call with the {@link RowConvKernels}; {@link ConvTasks#rowsApply} must accept it. */
    public static void runRows(KernelCall convolution, String device) {
        run(new DeviceTask.RowConv(convolution), device);
    }

    /** Whether the {@link RowConvKernels} run this convolution call. */
    public static boolean rowsApply(KernelCall convolution) {
        return ConvTasks.rowsApply(convolution);
    }

    /**
     * Runs the fused routine that replaces the calls (with reductions {@code reduceGroup} wide, and
     * batch norms by planes if asked), as {@link Routines#fused} or {@link Routines#byPlanes} finds them,
     * and returns the buffers it passes: the ones it leaves
     * as the calls would (the calls' other buffers hold intermediates the routine keeps to itself).
     *
     * @throws IllegalArgumentException when the calls are not exactly one fused routine
     */
    public static List<Object> runFused(List<KernelCall> calls, int reduceGroup, boolean planes, String device) {
        List<DeviceTask> tasks = Routines.select(calls, new Tuning(null, false, reduceGroup, true, planes));
        if (tasks.size() != 1 || tasks.get(0) instanceof DeviceTask.Plain) {
            throw new IllegalArgumentException("not one fused routine: " + calls.stream().map(KernelCall::kernel).toList());
        }
        run(tasks.get(0), device);
        return tasks.get(0).use().arrays();
    }

    static void run(DeviceTask task, String device) {
        TornadoDevice target = TornadoDevices.byId(device);
        Object[] arrays = task.use().arrays().toArray();
        String name = "kernel" + GRAPHS.incrementAndGet();
        GridScheduler grids = new GridScheduler();
        TaskGraph g = new TaskGraph(name).transferToDevice(DataTransferMode.EVERY_EXECUTION, arrays);
        task.add(g, name, "t", grids);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, arrays);
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(g.snapshot())) {
            if (target != null) {
                plan.withDevice(target);
            }
            if (task.launched()) {
                plan.withGridScheduler(grids);
            }
            plan.execute();
        } catch (Exception e) {
            throw new IllegalStateException(task.label() + " failed on the device: " + e, e);
        }
    }
}
