package io.tornadoresnet.backend.tornado;

import io.tornadoresnet.plan.KernelCall;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;

/**
 * Runs a convolution call with the {@link TiledConvKernels} instead of the plain kernel: the task
 * takes the plain kernel's arguments plus the tile's register block and K step, and its launch
 * (global and work-group sizes) goes into the plan's {@link GridScheduler} under
 * {@code graph.task}, TornadoVM's key.
 */
final class ConvTasks {

    private ConvTasks() {
    }

    /**
     * Adds the tiled task for a convolution call to {@code g} and its launch to {@code grids};
     * returns false, adding nothing, for any other kernel.
     */
    static boolean addTiled(TaskGraph g, String graphName, String id, KernelCall c, ConvTiling tiling,
                            GridScheduler grids) {
        if (!isConvolution(c)) {
            return false;
        }
        int n = c.integer(3);
        int ch = c.integer(4);
        int h = c.integer(5);
        int w = c.integer(6);
        int k = c.integer(7);
        int kh = c.integer(8);
        int kw = c.integer(9);
        int oh = c.integer(12);
        int ow = c.integer(13);
        ConvTiling t;
        switch (c.kernel()) {
            case CONV_FORWARD -> {
                t = tiling.forRows(k);
                g.task(id, TiledConvKernels::forward, new KernelContext(), c.floats(0), c.floats(1), c.floats(2), n, ch,
                        h, w, k, kh, kw, c.integer(10), c.integer(11), oh, ow, t.rm(), t.rn(), t.tk());
                grids.addWorkerGrid(graphName + "." + id, t.grid(k, n * oh * ow, 1));
            }
            case CONV_BACKWARD_DATA -> {
                t = tiling.forRows(ch);
                g.task(id, TiledConvKernels::backwardData, new KernelContext(), c.floats(0), c.floats(1), c.floats(2),
                        n, ch, h, w, k, kh, kw, c.integer(10), c.integer(11), oh, ow, t.rm(), t.rn(), t.tk());
                grids.addWorkerGrid(graphName + "." + id, t.grid(ch, n * h * w, 1));
            }
            case CONV_BACKWARD_WEIGHTS_PARTIAL -> {
                t = tiling.forRows(k);
                int groups = c.integer(14);
                g.task(id, TiledConvKernels::backwardWeightsPartial, new KernelContext(), c.floats(0), c.floats(1),
                        c.floats(2), n, ch, h, w, k, kh, kw, c.integer(10), c.integer(11), oh, ow, groups, t.rm(),
                        t.rn(), t.tk());
                grids.addWorkerGrid(graphName + "." + id, t.grid(k, ch * kh * kw, groups));
            }
            default -> throw new IllegalArgumentException("not a convolution: " + c);
        }
        return true;
    }

    static boolean isConvolution(KernelCall c) {
        return switch (c.kernel()) {
            case CONV_FORWARD, CONV_BACKWARD_DATA, CONV_BACKWARD_WEIGHTS_PARTIAL -> true;
            default -> false;
        };
    }
}
