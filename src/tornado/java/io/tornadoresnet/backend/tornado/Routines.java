package io.tornadoresnet.backend.tornado;

import io.tornadoresnet.plan.Kernel;
import io.tornadoresnet.plan.KernelCall;

import java.util.ArrayList;
import java.util.List;

/**
 * Chooses, at plan time, the device task for each run of kernel calls of a stage: tiled or row
 * convolutions, whole training batch norms, residual sums and shortcuts by planes, work-group
 * reductions for the batch-norm
 * statistics and their gradients, and element-wise ops fused with the ReLU after them, as
 * {@link Tuning} allows; every other call runs
 * its plain kernel. A pattern applies only where the calls pass each other the same buffers, as the
 * plan's lowering does.
 */
public final class Routines {
    /** The convolution tiles devices get by default: GPUs', then CPUs'. */
    public static final List<String> DEFAULT_TILES = List.of(ConvTiling.GPU.toString(), ConvTiling.CPU.toString());
    /** The reduction widths devices get by default: CPUs', then GPUs'. */
    public static final List<Integer> DEFAULT_REDUCE_GROUPS = List.of(Tuning.CPU_REDUCE_GROUP, Tuning.GPU_REDUCE_GROUP);

    /** A run of kernel calls that one fused routine replaces. */
    public record Fused(String routine, List<KernelCall> calls) {
    }

    private Routines() {
    }

    /** The runs of calls that the fused routines replace when every reduction and fusion is on, in order. */
    public static List<Fused> fused(List<KernelCall> calls) {
        return routines(calls, false);
    }

    /** The runs of calls (batch norms, residual sums, shortcuts) that the {@link PlaneKernels} replace, fusion on, in order. */
    public static List<Fused> byPlanes(List<KernelCall> calls) {
        return routines(calls, true).stream().filter(f -> f.routine().startsWith("planes_")).toList();
    }

    private static List<Fused> routines(List<KernelCall> calls, boolean planes) {
        return select(calls, new Tuning(null, false, Tuning.CPU_REDUCE_GROUP, true, planes)).stream()
                .filter(t -> !(t instanceof DeviceTask.Plain))
                .map(t -> new Fused(t.label(), t.calls()))
                .toList();
    }

    static List<DeviceTask> select(List<KernelCall> calls, Tuning tuning) {
        List<DeviceTask> tasks = new ArrayList<>();
        int i = 0;
        while (i < calls.size()) {
            KernelCall c = calls.get(i);
            if (tuning.byPlanes() && bnStatistics(calls, i) && normalizes(calls, i)) {
                KernelCall variance = calls.get(i + 3);
                KernelCall normalize = calls.get(i + 4);
                boolean relu = tuning.fuse() && reluOf(calls, i + 4, Kernel.BN_NORMALIZE, 5);
                int end = i + (relu ? 6 : 5);
                tasks.add(new DeviceTask.BnPlanes(List.copyOf(calls.subList(i, end)), c.tensor(0), variance.tensor(1),
                        variance.tensor(2), variance.tensor(3), variance.tensor(4), normalize.tensor(3),
                        normalize.tensor(4), normalize.tensor(5), relu ? calls.get(i + 5).tensor(1) : null,
                        c.integer(2), c.integer(3), c.integer(4), variance.real(8), variance.real(9),
                        tuning.reduceGroup()));
                i = end;
            } else if (tuning.byPlanes() && tuning.fuse() && c.kernel() == Kernel.RELU_BACKWARD
                    && bnBackward(calls, i + 1) && calls.get(i + 1).tensor(0) == c.tensor(2)) {
                KernelCall input = calls.get(i + 4);
                tasks.add(new DeviceTask.BnBackwardPlanes(List.copyOf(calls.subList(i, i + 5)), c.tensor(0), c.tensor(1),
                        input.tensor(0), input.tensor(1), input.tensor(2), input.tensor(3), input.tensor(4),
                        input.tensor(5), input.tensor(6), input.tensor(7), input.integer(8), input.integer(9),
                        input.integer(10), tuning.reduceGroup()));
                i += 5;
            } else if (tuning.byPlanes() && bnBackward(calls, i)) {
                KernelCall input = calls.get(i + 3);
                tasks.add(new DeviceTask.BnBackwardPlanes(List.copyOf(calls.subList(i, i + 4)), null, null,
                        input.tensor(0), input.tensor(1), input.tensor(2), input.tensor(3), input.tensor(4),
                        input.tensor(5), input.tensor(6), input.tensor(7), input.integer(8), input.integer(9),
                        input.integer(10), tuning.reduceGroup()));
                i += 4;
            } else if (tuning.reduces() && bnStatistics(calls, i)) {
                KernelCall variance = calls.get(i + 3);
                tasks.add(new DeviceTask.BnStatistics(List.copyOf(calls.subList(i, i + 4)), c.tensor(0), variance.tensor(1), variance.tensor(2),
                        variance.tensor(3), variance.tensor(4), c.integer(2), c.integer(3), c.integer(4),
                        variance.real(8), variance.real(9), tuning.reduceGroup()));
                i += 4;
            } else if (tuning.reduces() && tuning.fuse() && c.kernel() == Kernel.RELU_BACKWARD
                    && bnBackwardStatistics(calls, i + 1) && calls.get(i + 1).tensor(0) == c.tensor(2)) {
                KernelCall p = calls.get(i + 1);
                tasks.add(new DeviceTask.BnBackwardStatistics(List.copyOf(calls.subList(i, i + 4)), c.tensor(0), c.tensor(1), c.tensor(2), p.tensor(1),
                        p.tensor(2), p.tensor(3), calls.get(i + 2).tensor(1), calls.get(i + 3).tensor(1),
                        p.integer(6), p.integer(7), p.integer(8), tuning.reduceGroup()));
                i += 4;
            } else if (tuning.reduces() && bnBackwardStatistics(calls, i)) {
                tasks.add(new DeviceTask.BnBackwardStatistics(List.copyOf(calls.subList(i, i + 3)), null, null, c.tensor(0), c.tensor(1), c.tensor(2),
                        c.tensor(3), calls.get(i + 1).tensor(1), calls.get(i + 2).tensor(1), c.integer(6),
                        c.integer(7), c.integer(8), tuning.reduceGroup()));
                i += 3;
            } else if (tuning.fuse() && reluOf(calls, i, Kernel.BN_NORMALIZE, 5)) {
                tasks.add(new DeviceTask.NormalizeRelu(List.copyOf(calls.subList(i, i + 2)), c.tensor(0), c.tensor(1), c.tensor(2), c.tensor(3), c.tensor(4),
                        c.tensor(5), calls.get(i + 1).tensor(1), c.integer(6), c.integer(7), c.integer(8)));
                i += 2;
            } else if (tuning.fuse() && reluOf(calls, i, Kernel.BN_FORWARD_INFERENCE, 5)) {
                tasks.add(new DeviceTask.InferenceRelu(List.copyOf(calls.subList(i, i + 2)), c.tensor(0), c.tensor(1), c.tensor(2), c.tensor(3), c.tensor(4),
                        c.tensor(5), calls.get(i + 1).tensor(1), c.integer(6), c.integer(7), c.integer(8), c.real(9)));
                i += 2;
            } else if (tuning.byPlanes() && c.kernel() == Kernel.ADD) {
                boolean relu = tuning.fuse() && reluOf(calls, i, Kernel.ADD, 2);
                tasks.add(new DeviceTask.SumRuns(List.copyOf(calls.subList(i, i + (relu ? 2 : 1))), c.tensor(0),
                        c.tensor(1), c.tensor(2), relu ? calls.get(i + 1).tensor(1) : null, c.integer(3)));
                i += relu ? 2 : 1;
            } else if (tuning.byPlanes() && (c.kernel() == Kernel.SHORTCUT_FORWARD || c.kernel() == Kernel.SHORTCUT_BACKWARD)) {
                tasks.add(new DeviceTask.ShortcutPlanes(c));
                i++;
            } else if (tuning.fuse() && reluOf(calls, i, Kernel.ADD, 2)) {
                tasks.add(new DeviceTask.AddRelu(List.copyOf(calls.subList(i, i + 2)), c.tensor(0), c.tensor(1), c.tensor(2), calls.get(i + 1).tensor(1),
                        c.integer(3)));
                i += 2;
            } else if (tuning.rows() && ConvTasks.rowsApply(c)) {
                tasks.add(new DeviceTask.RowConv(c));
                i++;
            } else if (tuning.conv() != null && ConvTasks.isConvolution(c)) {
                tasks.add(new DeviceTask.TiledConv(c, tuning.conv()));
                i++;
            } else {
                tasks.add(new DeviceTask.Plain(c));
                i++;
            }
        }
        return tasks;
    }

    /** channelSums, finishMean, channelSquaredDeviations, finishVariance of one batch norm, from i. */
    private static boolean bnStatistics(List<KernelCall> calls, int i) {
        if (!kernels(calls, i, Kernel.BN_CHANNEL_SUMS, Kernel.BN_FINISH_MEAN, Kernel.BN_CHANNEL_SQUARED_DEVIATIONS,
                Kernel.BN_FINISH_VARIANCE)) {
            return false;
        }
        KernelCall sums = calls.get(i);
        KernelCall mean = calls.get(i + 1);
        KernelCall deviations = calls.get(i + 2);
        KernelCall variance = calls.get(i + 3);
        return mean.tensor(0) == sums.tensor(1) && deviations.tensor(0) == sums.tensor(0)
                && deviations.tensor(1) == mean.tensor(1) && deviations.tensor(2) == variance.tensor(0)
                && variance.tensor(1) == mean.tensor(1);
    }

    /** The statistics calls from i, then the normalisation that uses them (x, mean and invStd). */
    private static boolean normalizes(List<KernelCall> calls, int i) {
        if (!kernels(calls, i + 4, Kernel.BN_NORMALIZE)) {
            return false;
        }
        KernelCall normalize = calls.get(i + 4);
        KernelCall variance = calls.get(i + 3);
        return normalize.tensor(0) == calls.get(i).tensor(0) && normalize.tensor(1) == variance.tensor(1)
                && normalize.tensor(2) == variance.tensor(2);
    }

    /** backwardPartials, its two sumGroups and the backwardInput that reads their sums, from i. */
    private static boolean bnBackward(List<KernelCall> calls, int i) {
        if (!bnBackwardStatistics(calls, i) || !kernels(calls, i + 3, Kernel.BN_BACKWARD_INPUT)) {
            return false;
        }
        KernelCall partials = calls.get(i);
        KernelCall input = calls.get(i + 3);
        for (int a = 0; a < 4; a++) {
            if (input.tensor(a) != partials.tensor(a)) {
                return false;
            }
        }
        return input.tensor(5) == calls.get(i + 1).tensor(1) && input.tensor(6) == calls.get(i + 2).tensor(1);
    }

    /** backwardPartials and the two sumGroups that finish its partials, from i. */
    private static boolean bnBackwardStatistics(List<KernelCall> calls, int i) {
        if (!kernels(calls, i, Kernel.BN_BACKWARD_PARTIALS, Kernel.SUM_GROUPS, Kernel.SUM_GROUPS)) {
            return false;
        }
        KernelCall partials = calls.get(i);
        return calls.get(i + 1).tensor(0) == partials.tensor(4) && calls.get(i + 2).tensor(0) == partials.tensor(5);
    }

    /** A call of {@code kernel} at i whose output (argument {@code out}) the next call, a ReLU, reads. */
    private static boolean reluOf(List<KernelCall> calls, int i, Kernel kernel, int out) {
        return kernels(calls, i, kernel, Kernel.RELU_FORWARD) && calls.get(i + 1).tensor(0) == calls.get(i).tensor(out);
    }

    private static boolean kernels(List<KernelCall> calls, int i, Kernel... kernels) {
        if (i + kernels.length > calls.size()) {
            return false;
        }
        for (int j = 0; j < kernels.length; j++) {
            if (calls.get(i + j).kernel() != kernels[j]) {
                return false;
            }
        }
        return true;
    }
}
