package io.tornadoresnet.backend.tornado;

import io.tornadoresnet.plan.Kernel;
import io.tornadoresnet.plan.KernelCall;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.WorkerGrid2D;

import java.util.function.IntPredicate;

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

    /**
     * The launch of a call by {@link RowConvKernels#rows}, or null where that kernel does not apply: a
     * forward pass or an input gradient whose output channels come in blocks of 16 or 32 and whose
     * staged rows and weights fit in local memory.
     */
    static RowLaunch rowLaunch(KernelCall c) {
        boolean flip = c.kernel() == Kernel.CONV_BACKWARD_DATA;
        if (!(c.kernel() == Kernel.CONV_FORWARD || flip)) {
            return null;
        }
        int ch = c.integer(4);
        int k = c.integer(7);
        int kh = c.integer(8);
        int kw = c.integer(9);
        int pad = c.integer(11);
        int inC = flip ? k : ch;
        int outC = flip ? ch : k;
        int outH = flip ? c.integer(5) : c.integer(12);
        int outW = flip ? c.integer(6) : c.integer(13);
        int stride = flip ? 1 : c.integer(10);
        int rk = outC % 32 == 0 ? 32 : outC % 16 == 0 ? 16 : 0;
        if (rk == 0) {
            return null;
        }
        int span = (outW - 1) * stride + kw;
        if (inC * kh * kw * rk > RowConvKernels.MAX_WEIGHTS) {
            return null;
        }
        int band = largestBand(outH, d -> inC * ((d - 1) * stride + kh) * span <= RowConvKernels.MAX_BAND);
        int pixels = outW % 4 == 0 ? 4 : outW % 2 == 0 ? 2 : 1;
        return band == 0 ? null : new RowLaunch(inC, flip ? c.integer(12) : c.integer(5), flip ? c.integer(13) : c.integer(6),
                outC, outH, outW, stride, flip ? kh - 1 - pad : pad, rk, flip, flip ? c.integer(10) : 1, pixels, band);
    }

    /** The arguments and launch of {@link RowConvKernels#rows} for one call (input and output as that kernel sees them). */
    record RowLaunch(int inC, int inH, int inW, int outC, int outH, int outW, int stride, int pad, int rk,
                     boolean flip, int dilate, int pixels, int band) {
        WorkerGrid grid(int n) {
            WorkerGrid grid = new WorkerGrid2D(outW / pixels, n * (outC / rk));
            grid.setLocalWork(outW / pixels, 1, 1);
            return grid;
        }
    }

    /**
     * The output-channel block of {@link RowConvKernels#weightRows} for a weight-gradient call (32 or
     * 16), or 0 where that kernel does not apply (other channel counts, kernels wider than
     * {@link RowConvKernels#MAX_KW}, more work-items than a group holds, or rows beyond local memory).
     */
    static int weightRowBlock(KernelCall c) {
        if (c.kernel() != Kernel.CONV_BACKWARD_WEIGHTS_PARTIAL) {
            return 0;
        }
        int k = c.integer(7);
        int rk = k % 32 == 0 ? 32 : k % 16 == 0 ? 16 : 0;
        boolean fits = c.integer(4) * c.integer(8) <= RowConvKernels.MAX_GROUP && c.integer(9) <= RowConvKernels.MAX_KW;
        return rk != 0 && fits && weightRowBand(c, rk) != 0 ? rk : 0;
    }

    /**
     * The output rows {@link RowConvKernels#weightRows} stages at once for a weight-gradient call in blocks
     * of {@code rk} channels: the largest divisor of the output height whose input and output-gradient
     * rows fit in local memory, or 0 where not even one row does.
     */
    static int weightRowBand(KernelCall c, int rk) {
        int ch = c.integer(4);
        int kh = c.integer(8);
        int stride = c.integer(10);
        int oh = c.integer(12);
        int ow = c.integer(13);
        int span = (ow - 1) * stride + c.integer(9);
        return largestBand(oh, d -> ch * ((d - 1) * stride + kh) * span <= RowConvKernels.MAX_BAND
                && rk * d * ow <= RowConvKernels.MAX_GRADIENT_BAND);
    }

    /** The largest divisor of {@code height} (output rows staged at once) that {@code fits}, or 0 where none does. */
    private static int largestBand(int height, IntPredicate fits) {
        for (int d = height; d >= 1; d--) {
            if (height % d == 0 && fits.test(d)) {
                return d;
            }
        }
        return 0;
    }

    /** Whether {@link RowConvKernels} run this call. */
    static boolean rowsApply(KernelCall c) {
        return rowLaunch(c) != null || weightRowBlock(c) != 0;
    }

    /** Adds the {@link RowConvKernels} task for a call that {@link #rowsApply} accepts, and its launch. */
    static void addRows(TaskGraph g, String graphName, String id, KernelCall c, GridScheduler grids) {
        int n = c.integer(3);
        int rk = weightRowBlock(c);
        if (rk != 0) {
            int columns = c.integer(4) * c.integer(8);
            int groups = c.integer(14);
            g.task(id, RowConvKernels::weightRows, new KernelContext(), c.floats(0), c.floats(1), c.floats(2), n,
                    c.integer(4), c.integer(5), c.integer(6), c.integer(7), c.integer(8), c.integer(9), c.integer(10),
                    c.integer(11), c.integer(12), c.integer(13), groups, rk, weightRowBand(c, rk));
            WorkerGrid grid = new WorkerGrid2D(columns, groups * (c.integer(7) / rk));
            grid.setLocalWork(columns, 1, 1);
            grids.addWorkerGrid(graphName + "." + id, grid);
            return;
        }
        RowLaunch l = rowLaunch(c);
        if (l == null) {
            throw new IllegalArgumentException("not a convolution the row kernels run: " + c);
        }
        g.task(id, RowConvKernels::rows, new KernelContext(), c.floats(0), c.floats(1), c.floats(2), n, l.inC(),
                l.inH(), l.inW(), l.outC(), l.outH(), l.outW(), c.integer(8), c.integer(9), l.stride(), l.pad(), l.rk(),
                l.flip() ? 1 : 0, l.dilate(), l.pixels(), l.band());
        grids.addWorkerGrid(graphName + "." + id, l.grid(n));
    }

    static boolean isConvolution(KernelCall c) {
        return switch (c.kernel()) {
            case CONV_FORWARD, CONV_BACKWARD_DATA, CONV_BACKWARD_WEIGHTS_PARTIAL -> true;
            default -> false;
        };
    }
}
