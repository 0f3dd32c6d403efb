package io.tornadoresnet.backend.tornado;

import io.tornadoresnet.plan.Kernel;
import io.tornadoresnet.plan.KernelCall;
import io.tornadoresnet.tensor.Tensor;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.WorkerGrid1D;

import java.util.ArrayList;
import java.util.List;

/**
 * One task of a stage graph: a plain kernel call, a tiled convolution, or a fused routine that
 * stands for several calls ({@link Routines} chooses). It names its buffers for {@link Residency}
 * and adds itself to a graph; a task with its own launch shape puts it into the plan's
 * {@link GridScheduler} under {@code graph.task}.
 */
sealed interface DeviceTask {

    /** The arrays and scalars the task passes, for {@link Residency}. */
    Residency.TaskUse use();

    /** A short lower-case name for the task id. */
    String label();

    /** The plan's kernel calls this task stands for, in order. */
    List<KernelCall> calls();

    void add(TaskGraph g, String graphName, String id, GridScheduler grids);

    /** Whether the task has its own launch shape (a KernelContext kernel). */
    default boolean launched() {
        return false;
    }

    /** The plain kernel of a call, as {@link Tasks} maps it. */
    record Plain(KernelCall call) implements DeviceTask {
        @Override
        public Residency.TaskUse use() {
            return Residency.TaskUse.of(call);
        }

        @Override
        public String label() {
            return call.kernel().name().toLowerCase();
        }

        @Override
        public List<KernelCall> calls() {
            return List.of(call);
        }

        @Override
        public void add(TaskGraph g, String graphName, String id, GridScheduler grids) {
            Tasks.add(g, id, call);
        }
    }

    /** A convolution call run by {@link RowConvKernels}. */
    record RowConv(KernelCall call) implements DeviceTask {
        @Override
        public Residency.TaskUse use() {
            return Residency.TaskUse.of(call);
        }

        @Override
        public String label() {
            return "rows_" + call.kernel().name().toLowerCase();
        }

        @Override
        public List<KernelCall> calls() {
            return List.of(call);
        }

        @Override
        public void add(TaskGraph g, String graphName, String id, GridScheduler grids) {
            ConvTasks.addRows(g, graphName, id, call, grids);
        }

        @Override
        public boolean launched() {
            return true;
        }
    }

    /** A convolution call run by {@link TiledConvKernels}. */
    record TiledConv(KernelCall call, ConvTiling tiling) implements DeviceTask {
        @Override
        public Residency.TaskUse use() {
            return Residency.TaskUse.of(call);
        }

        @Override
        public String label() {
            return "tiled_" + call.kernel().name().toLowerCase();
        }

        @Override
        public List<KernelCall> calls() {
            return List.of(call);
        }

        @Override
        public void add(TaskGraph g, String graphName, String id, GridScheduler grids) {
            ConvTasks.addTiled(g, graphName, id, call, tiling, grids);
        }

        @Override
        public boolean launched() {
            return true;
        }
    }

    /** {@link FusedKernels#bnStatistics}: replaces the four statistics calls of a training batch norm. */
    record BnStatistics(List<KernelCall> calls, Tensor x, Tensor mean, Tensor invStd, Tensor runningMean, Tensor runningVar, int n, int c,
                        int hw, float eps, float momentum, int group) implements DeviceTask {
        @Override
        public Residency.TaskUse use() {
            return DeviceTask.use(List.of(x, mean, invStd, runningMean, runningVar), n, c, hw, eps, momentum);
        }

        @Override
        public String label() {
            return "bn_statistics";
        }

        @Override
        public void add(TaskGraph g, String graphName, String id, GridScheduler grids) {
            g.task(id, FusedKernels::bnStatistics, new KernelContext(), x.data(), mean.data(), invStd.data(),
                    runningMean.data(), runningVar.data(), n, c, hw, eps, momentum);
            grids.addWorkerGrid(graphName + "." + id, perChannel(c, group));
        }

        @Override
        public boolean launched() {
            return true;
        }
    }

    /**
     * {@link FusedKernels#bnBackwardStatistics}, or with {@code y} and {@code gradY} set
     * {@link FusedKernels#reluBnBackwardStatistics}: replaces the partial sums and their two
     * finishing sums (and the ReLU backward before them).
     */
    record BnBackwardStatistics(List<KernelCall> calls, Tensor y, Tensor gradY, Tensor gradOut, Tensor x, Tensor mean, Tensor invStd,
                                Tensor gradGamma, Tensor gradBeta, int n, int c, int hw, int group)
            implements DeviceTask {
        @Override
        public Residency.TaskUse use() {
            List<Tensor> arrays = y == null ? List.of(gradOut, x, mean, invStd, gradGamma, gradBeta)
                    : List.of(y, gradY, gradOut, x, mean, invStd, gradGamma, gradBeta);
            return DeviceTask.use(arrays, n, c, hw);
        }

        @Override
        public String label() {
            return y == null ? "bn_backward_statistics" : "relu_bn_backward_statistics";
        }

        @Override
        public void add(TaskGraph g, String graphName, String id, GridScheduler grids) {
            if (y == null) {
                g.task(id, FusedKernels::bnBackwardStatistics, new KernelContext(), gradOut.data(), x.data(),
                        mean.data(), invStd.data(), gradGamma.data(), gradBeta.data(), n, c, hw);
            } else {
                g.task(id, FusedKernels::reluBnBackwardStatistics, new KernelContext(), y.data(), gradY.data(),
                        gradOut.data(), x.data(), mean.data(), invStd.data(), gradGamma.data(), gradBeta.data(), n,
                        c, hw);
            }
            grids.addWorkerGrid(graphName + "." + id, perChannel(c, group));
        }

        @Override
        public boolean launched() {
            return true;
        }
    }

    /**
     * {@link PlaneKernels#statisticsNormalize}, or with {@code z} set {@link PlaneKernels#statisticsNormalizeRelu}: replaces
     * a training batch norm's five calls (and the ReLU after them).
     */
    record BnPlanes(List<KernelCall> calls, Tensor x, Tensor mean, Tensor invStd, Tensor runningMean, Tensor runningVar,
                    Tensor gamma, Tensor beta, Tensor y, Tensor z, int n, int c, int hw, float eps, float momentum,
                    int group) implements DeviceTask {
        @Override
        public Residency.TaskUse use() {
            List<Tensor> arrays = z == null ? List.of(x, mean, invStd, runningMean, runningVar, gamma, beta, y)
                    : List.of(x, mean, invStd, runningMean, runningVar, gamma, beta, y, z);
            return DeviceTask.use(arrays, n, c, hw, eps, momentum);
        }

        @Override
        public String label() {
            return z == null ? "planes_bn" : "planes_bn_relu";
        }

        @Override
        public void add(TaskGraph g, String graphName, String id, GridScheduler grids) {
            if (z == null) {
                g.task(id, PlaneKernels::statisticsNormalize, new KernelContext(), x.data(), mean.data(), invStd.data(),
                        runningMean.data(), runningVar.data(), gamma.data(), beta.data(), y.data(), n, c, hw, eps,
                        momentum);
            } else {
                g.task(id, PlaneKernels::statisticsNormalizeRelu, new KernelContext(), x.data(), mean.data(), invStd.data(),
                        runningMean.data(), runningVar.data(), gamma.data(), beta.data(), y.data(), z.data(), n, c,
                        hw, eps, momentum);
            }
            grids.addWorkerGrid(graphName + "." + id, perChannel(c, group));
        }

        @Override
        public boolean launched() {
            return true;
        }
    }

    /**
     * {@link PlaneKernels#gradients}, or with {@code y} and {@code gradY} set {@link PlaneKernels#reluGradients}:
     * replaces a training batch norm's four backward calls (and the ReLU backward before them).
     */
    record BnBackwardPlanes(List<KernelCall> calls, Tensor y, Tensor gradY, Tensor gradOut, Tensor x, Tensor mean,
                            Tensor invStd, Tensor gamma, Tensor gradGamma, Tensor gradBeta, Tensor gradIn, int n, int c,
                            int hw, int group) implements DeviceTask {
        @Override
        public Residency.TaskUse use() {
            List<Tensor> arrays = y == null ? List.of(gradOut, x, mean, invStd, gamma, gradGamma, gradBeta, gradIn)
                    : List.of(y, gradY, gradOut, x, mean, invStd, gamma, gradGamma, gradBeta, gradIn);
            return DeviceTask.use(arrays, n, c, hw);
        }

        @Override
        public String label() {
            return y == null ? "planes_bn_backward" : "planes_relu_bn_backward";
        }

        @Override
        public void add(TaskGraph g, String graphName, String id, GridScheduler grids) {
            if (y == null) {
                g.task(id, PlaneKernels::gradients, new KernelContext(), gradOut.data(), x.data(), mean.data(),
                        invStd.data(), gamma.data(), gradGamma.data(), gradBeta.data(), gradIn.data(), n, c, hw);
            } else {
                g.task(id, PlaneKernels::reluGradients, new KernelContext(), y.data(), gradY.data(), gradOut.data(),
                        x.data(), mean.data(), invStd.data(), gamma.data(), gradGamma.data(), gradBeta.data(),
                        gradIn.data(), n, c, hw);
            }
            grids.addWorkerGrid(graphName + "." + id, perChannel(c, group));
        }

        @Override
        public boolean launched() {
            return true;
        }
    }

    /** {@link PlaneKernels#padSubsample} or {@link PlaneKernels#padSubsampleGradient} for an option-A shortcut call. */
    record ShortcutPlanes(KernelCall call) implements DeviceTask {
        @Override
        public Residency.TaskUse use() {
            return Residency.TaskUse.of(call);
        }

        @Override
        public String label() {
            return "planes_" + call.kernel().name().toLowerCase();
        }

        @Override
        public List<KernelCall> calls() {
            return List.of(call);
        }

        @Override
        public void add(TaskGraph g, String graphName, String id, GridScheduler grids) {
            KernelCall k = call;
            if (k.kernel() == Kernel.SHORTCUT_FORWARD) {
                g.task(id, PlaneKernels::padSubsample, k.floats(0), k.floats(1), k.integer(2), k.integer(3),
                        k.integer(4), k.integer(5), k.integer(6), k.integer(7), k.integer(8), k.integer(9), k.integer(10));
            } else {
                g.task(id, PlaneKernels::padSubsampleGradient, k.floats(0), k.floats(1), k.integer(2), k.integer(3),
                        k.integer(4), k.integer(5), k.integer(6), k.integer(7), k.integer(8), k.integer(9), k.integer(10));
            }
        }
    }

    /**
     * {@link PlaneKernels#sumRuns}, or with {@code z} set {@link PlaneKernels#sumReluRuns}: a residual
     * sum (and the ReLU after it) over runs of {@link #RUN} elements.
     */
    record SumRuns(List<KernelCall> calls, Tensor a, Tensor b, Tensor out, Tensor z, int size) implements DeviceTask {
        /** Elements a work-item adds: 16 KiB of each buffer. */
        static final int RUN = 4096;

        @Override
        public Residency.TaskUse use() {
            List<Tensor> arrays = z == null ? List.of(a, b, out) : List.of(a, b, out, z);
            return DeviceTask.use(arrays, size, runs(), RUN);
        }

        private int runs() {
            return (size + RUN - 1) / RUN;
        }

        @Override
        public String label() {
            return z == null ? "planes_add" : "planes_add_relu";
        }

        @Override
        public void add(TaskGraph g, String graphName, String id, GridScheduler grids) {
            if (z == null) {
                g.task(id, PlaneKernels::sumRuns, a.data(), b.data(), out.data(), size, runs(), RUN);
            } else {
                g.task(id, PlaneKernels::sumReluRuns, a.data(), b.data(), out.data(), z.data(), size, runs(), RUN);
            }
        }
    }

    /** {@link FusedKernels#normalizeRelu}: a training batch norm's normalisation and the ReLU after it. */
    record NormalizeRelu(List<KernelCall> calls, Tensor x, Tensor mean, Tensor invStd, Tensor gamma, Tensor beta, Tensor y, Tensor z, int n,
                         int c, int hw) implements DeviceTask {
        @Override
        public Residency.TaskUse use() {
            return DeviceTask.use(List.of(x, mean, invStd, gamma, beta, y, z), n, c, hw);
        }

        @Override
        public String label() {
            return "normalize_relu";
        }

        @Override
        public void add(TaskGraph g, String graphName, String id, GridScheduler grids) {
            g.task(id, FusedKernels::normalizeRelu, x.data(), mean.data(), invStd.data(), gamma.data(), beta.data(),
                    y.data(), z.data(), n, c, hw);
        }
    }

    /** {@link FusedKernels#inferenceRelu}: an inference batch norm and the ReLU after it. */
    record InferenceRelu(List<KernelCall> calls, Tensor x, Tensor runningMean, Tensor runningVar, Tensor gamma, Tensor beta, Tensor y,
                         Tensor z, int n, int c, int hw, float eps) implements DeviceTask {
        @Override
        public Residency.TaskUse use() {
            return DeviceTask.use(List.of(x, runningMean, runningVar, gamma, beta, y, z), n, c, hw, eps);
        }

        @Override
        public String label() {
            return "inference_relu";
        }

        @Override
        public void add(TaskGraph g, String graphName, String id, GridScheduler grids) {
            g.task(id, FusedKernels::inferenceRelu, x.data(), runningMean.data(), runningVar.data(), gamma.data(),
                    beta.data(), y.data(), z.data(), n, c, hw, eps);
        }
    }

    /** {@link FusedKernels#addRelu}: a residual sum and the ReLU after it. */
    record AddRelu(List<KernelCall> calls, Tensor a, Tensor b, Tensor out, Tensor z, int size) implements DeviceTask {
        @Override
        public Residency.TaskUse use() {
            return DeviceTask.use(List.of(a, b, out, z), size);
        }

        @Override
        public String label() {
            return "add_relu";
        }

        @Override
        public void add(TaskGraph g, String graphName, String id, GridScheduler grids) {
            g.task(id, FusedKernels::addRelu, a.data(), b.data(), out.data(), z.data(), size);
        }
    }

    private static Residency.TaskUse use(List<Tensor> tensors, Object... scalars) {
        List<Object> arrays = new ArrayList<>();
        tensors.forEach(t -> arrays.add(t.data()));
        return new Residency.TaskUse(List.copyOf(arrays), List.of(scalars));
    }

    /** One work-group of {@code group} work-items per channel. */
    private static WorkerGrid1D perChannel(int channels, int group) {
        WorkerGrid1D grid = new WorkerGrid1D(channels * group);
        grid.setLocalWork(group, 1, 1);
        return grid;
    }
}
