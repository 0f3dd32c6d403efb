package io.tornadoresnet.backend.tornado;

import io.tornadoresnet.nn.CheckNets;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.nn.Sgd;
import io.tornadoresnet.plan.Kernel;
import io.tornadoresnet.plan.KernelCall;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.plan.Stage;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.enums.TornadoDeviceType;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How the device routines are chosen: tile and property parsing, launch shapes, and the call patterns. */
class TuningTest {

    @AfterEach
    void clearProperties() {
        System.clearProperty(ConvTiling.PROPERTY);
        System.clearProperty(Tuning.REDUCE_PROPERTY);
        System.clearProperty(Tuning.FUSE_PROPERTY);
        System.clearProperty(Tuning.ROWS_PROPERTY);
        System.clearProperty(Tuning.PLANES_PROPERTY);
    }

    @Test
    void tilesParseAndRefuseWhatDoesNotFit() {
        assertEquals(new ConvTiling(16, 16, 4, 4, 16), ConvTiling.parse(" 16x16/4x4/16 "));
        assertNull(ConvTiling.parse("PLAIN"));
        assertThrows(IllegalArgumentException.class, () -> ConvTiling.parse("16x16/4x4"));
        assertThrows(IllegalArgumentException.class, () -> ConvTiling.parse("16x16/9x4/16"));    // rm > 8
        assertThrows(IllegalArgumentException.class, () -> ConvTiling.parse("64x1/8x8/16"));     // tk*wx*rn > 2048
        assertThrows(IllegalArgumentException.class, () -> ConvTiling.parse("8x8/4x4/12"));      // tk % wy != 0
    }

    @Test
    void narrowLayersGetNarrowerGroups() {
        ConvTiling gpu = ConvTiling.GPU;
        assertEquals(4, gpu.forRows(16).wy());
        assertEquals(8, gpu.forRows(32).wy());
        assertEquals(16, gpu.forRows(64).wy());
        assertEquals(16, gpu.forRows(2048).wy());
        assertEquals(1, gpu.forRows(3).wy());
    }

    @Test
    void gridsCoverTheProductInWholeTiles() {
        WorkerGrid grid = new ConvTiling(8, 8, 4, 8, 8).grid(40, 1000, 3);
        // 40 rows in tiles of 32: 2 groups of 8; 1000 columns in tiles of 64: 16 groups of 8
        assertArrayEquals(new long[] {16 * 8, 2 * 8, 3}, grid.getGlobalWork());
        assertArrayEquals(new long[] {8, 8, 1}, grid.getLocalWork());
    }

    @Test
    void devicesGetTheirDefaultsAndPropertiesOverride() {
        assertEquals(ConvTiling.GPU, Tuning.select(TornadoDeviceType.GPU).conv());
        assertEquals(256, Tuning.select(TornadoDeviceType.GPU).reduceGroup());
        assertEquals(ConvTiling.CPU, Tuning.select(TornadoDeviceType.CPU).conv());
        assertEquals(128, Tuning.select(TornadoDeviceType.CPU).reduceGroup());
        System.setProperty(ConvTiling.PROPERTY, "plain");
        System.setProperty(Tuning.REDUCE_PROPERTY, "128");
        System.setProperty(Tuning.FUSE_PROPERTY, "false");
        Tuning t = Tuning.select(TornadoDeviceType.GPU);
        assertEquals(new Tuning(null, false, 128, false, false), t);
        System.setProperty(Tuning.REDUCE_PROPERTY, "100");
        assertThrows(IllegalArgumentException.class, () -> Tuning.select(TornadoDeviceType.GPU));
        System.setProperty(Tuning.REDUCE_PROPERTY, "plain");
        System.setProperty(Tuning.FUSE_PROPERTY, "yes");
        assertThrows(IllegalArgumentException.class, () -> Tuning.select(TornadoDeviceType.GPU));
    }

    @Test
    void cpusGetTheRowConvolutionsUnlessTurnedOff() {
        assertTrue(Tuning.select(TornadoDeviceType.CPU).rows());
        assertFalse(Tuning.select(TornadoDeviceType.GPU).rows());
        System.setProperty(Tuning.ROWS_PROPERTY, "false");
        assertFalse(Tuning.select(TornadoDeviceType.CPU).rows());
        System.setProperty(Tuning.ROWS_PROPERTY, "on");
        assertThrows(IllegalArgumentException.class, () -> Tuning.select(TornadoDeviceType.CPU));
    }

    @Test
    void cpusRunPlanesUnlessTurnedOffOrReductionsArePlain() {
        assertTrue(Tuning.select(TornadoDeviceType.CPU).byPlanes());
        assertFalse(Tuning.select(TornadoDeviceType.GPU).byPlanes());
        System.setProperty(Tuning.PLANES_PROPERTY, "true");
        assertTrue(Tuning.select(TornadoDeviceType.GPU).byPlanes());
        System.setProperty(Tuning.REDUCE_PROPERTY, "plain");
        assertFalse(Tuning.select(TornadoDeviceType.CPU).byPlanes());
        System.setProperty(Tuning.PLANES_PROPERTY, "1");
        assertThrows(IllegalArgumentException.class, () -> Tuning.select(TornadoDeviceType.CPU));
    }

    @Test
    void planesTakeWholeBatchNormsSumsAndShortcutsAndCoverEveryCall() {
        Plan plan = ResNets.create("resnet20", Shape.of(3, 8, 8), 10).compileTraining(2, Sgd.PAPER);
        int fusedTasks = 0;
        int planeTasks = 0;
        List<String> labels = new ArrayList<>();
        for (Stage stage : plan.stages()) {
            List<KernelCall> calls = new ArrayList<>();
            for (Op op : stage.ops()) {
                calls.addAll(op.lower(Tensor::new));
            }
            List<DeviceTask> planes = Routines.select(calls, new Tuning(null, true, 128, true, true));
            List<KernelCall> covered = new ArrayList<>();
            planes.forEach(t -> covered.addAll(t.calls()));
            assertEquals(calls, covered, stage.name());
            planes.forEach(t -> labels.add(t.label()));
            fusedTasks += Routines.select(calls, new Tuning(null, true, 128, true, false)).size();
            planeTasks += planes.size();
        }
        // ResNet-20: 19 batch norms, each 2 tasks fewer (the normalisation and the input gradient join the reductions)
        assertEquals(fusedTasks - 2 * 19, planeTasks);
        assertEquals(10, labels.stream().filter("planes_bn_relu"::equals).count());
        assertEquals(9, labels.stream().filter("planes_bn"::equals).count());
        assertEquals(19, labels.stream().filter("planes_relu_bn_backward"::equals).count());
        // 9 residual sums with their ReLU forward, 9 sums of the gradients of a block's two branches backward
        assertEquals(9, labels.stream().filter("planes_add_relu"::equals).count());
        assertEquals(9, labels.stream().filter("planes_add"::equals).count());
        // the two down-sampling blocks' option-A shortcuts
        assertEquals(2, labels.stream().filter("planes_shortcut_forward"::equals).count());
        assertEquals(2, labels.stream().filter("planes_shortcut_backward"::equals).count());
        assertFalse(labels.contains("normalize_relu") || labels.contains("bn_statistics")
                || labels.contains("relu_bn_backward_statistics") || labels.contains("add_relu"));
    }

    @Test
    void rowConvolutionsTakeForwardPassesAndInputGradients() {
        // stage 3 of ResNet-20: 64 channels out in blocks of 32
        ConvTasks.RowLaunch forward = ConvTasks.rowLaunch(convolution(Kernel.CONV_FORWARD, 64, 8, 64, 1, 1));
        assertEquals(new ConvTasks.RowLaunch(64, 8, 8, 64, 8, 8, 1, 1, 32, false, 1, 4, 8), forward);
        // each work-item computes 4 of the 8 columns
        assertArrayEquals(new long[] {2, 4 * 2, 1}, forward.grid(4).getGlobalWork());
        assertArrayEquals(new long[] {2, 1, 1}, forward.grid(4).getLocalWork());
        // the input gradient reads the output gradient, padded by kh - 1 - pad, with the weights turned
        assertEquals(new ConvTasks.RowLaunch(32, 16, 16, 16, 16, 16, 1, 1, 16, true, 1, 4, 16),
                ConvTasks.rowLaunch(convolution(Kernel.CONV_BACKWARD_DATA, 16, 16, 32, 1, 1)));
        // ResNet-20's first stage: the whole padded image in one band
        assertEquals(32, ConvTasks.rowLaunch(convolution(Kernel.CONV_FORWARD, 16, 32, 16, 1, 1)).band());
        // the weights of 1x1 from 512 channels fit in local memory, those of 3x3 from 128 do not
        assertNotNull(ConvTasks.rowLaunch(convolution(Kernel.CONV_FORWARD, 512, 10, 64, 1, 0)));
        assertNull(ConvTasks.rowLaunch(convolution(Kernel.CONV_FORWARD, 128, 10, 64, 1, 1)));
        // nor do the rows of one output row from 4,096 channels of 1x1 on a 10-wide image
        assertNull(ConvTasks.rowLaunch(convolution(Kernel.CONV_FORWARD, 4096, 10, 16, 1, 0)));
        // stride 2: the 16x16 output gradient spread to 31x31, padded by 1 (and 2 on the far side); the
        // 34 rows of 32 channels do not fit in local memory at once, two bands of 16 output rows do
        assertEquals(new ConvTasks.RowLaunch(32, 16, 16, 16, 32, 32, 1, 1, 16, true, 2, 4, 16),
                ConvTasks.rowLaunch(convolution(Kernel.CONV_BACKWARD_DATA, 16, 32, 32, 2, 1)));
        assertNull(ConvTasks.rowLaunch(convolution(Kernel.CONV_BACKWARD_DATA, 3, 32, 16, 1, 1)));    // 3 channels out
        assertNull(ConvTasks.rowLaunch(convolution(Kernel.CONV_FORWARD, 3, 32, 24, 1, 1)));          // 24 channels out
        assertNull(ConvTasks.rowLaunch(convolution(Kernel.CONV_BACKWARD_WEIGHTS_PARTIAL, 16, 32, 16, 1, 1)));
    }

    @Test
    void weightGradientRowsTakeLayersWhoseColumnsFitAGroup() {
        assertEquals(32, ConvTasks.weightRowBlock(convolution(Kernel.CONV_BACKWARD_WEIGHTS_PARTIAL, 64, 8, 64, 1, 1)));
        assertEquals(16, ConvTasks.weightRowBlock(convolution(Kernel.CONV_BACKWARD_WEIGHTS_PARTIAL, 3, 32, 16, 1, 1)));
        assertEquals(32, ConvTasks.weightRowBlock(convolution(Kernel.CONV_BACKWARD_WEIGHTS_PARTIAL, 16, 32, 32, 2, 1)));
        // ResNet-20's first stage stages whole images; 512 channels of 8x8 fit four rows at a time
        assertEquals(32, ConvTasks.weightRowBand(convolution(Kernel.CONV_BACKWARD_WEIGHTS_PARTIAL, 16, 32, 16, 1, 1), 16));
        KernelCall wide = convolution(Kernel.CONV_BACKWARD_WEIGHTS_PARTIAL, 512, 8, 64, 1, 1);
        assertEquals(32, ConvTasks.weightRowBlock(wide));
        assertEquals(4, ConvTasks.weightRowBand(wide, 32));
        // 2,048 channels x 3 rows of taps: more work-items than a group holds
        assertEquals(0, ConvTasks.weightRowBlock(convolution(Kernel.CONV_BACKWARD_WEIGHTS_PARTIAL, 2048, 8, 64, 1, 1)));
        assertEquals(0, ConvTasks.weightRowBlock(convolution(Kernel.CONV_BACKWARD_WEIGHTS_PARTIAL, 16, 8, 24, 1, 1)));
        assertEquals(0, ConvTasks.weightRowBlock(convolution(Kernel.CONV_FORWARD, 64, 8, 64, 1, 1)));
        assertTrue(ConvTasks.rowsApply(convolution(Kernel.CONV_BACKWARD_WEIGHTS_PARTIAL, 64, 8, 64, 1, 1)));
    }

    /** A call of a 3x3 (1x1 with pad 0) convolution of batch 4 from c to k channels on s x s images. */
    private static KernelCall convolution(Kernel kernel, int c, int s, int k, int stride, int pad) {
        int kernelSize = pad == 0 ? 1 : 3;
        int o = (s + 2 * pad - kernelSize) / stride + 1;
        Tensor in = new Tensor("in", Shape.of(4, c, s, s));
        Tensor weight = new Tensor("weight", Shape.of(k, c, kernelSize, kernelSize));
        Tensor out = new Tensor("out", Shape.of(4, k, o, o));
        return switch (kernel) {
            case CONV_FORWARD -> new KernelCall(kernel, "c", in, weight, out, 4, c, s, s, k, kernelSize, kernelSize,
                    stride, pad, o, o);
            case CONV_BACKWARD_DATA -> new KernelCall(kernel, "c", out, weight, in, 4, c, s, s, k, kernelSize,
                    kernelSize, stride, pad, o, o);
            default -> new KernelCall(kernel, "c", in, out, new Tensor("partial", Shape.of(4, k * c * kernelSize
                    * kernelSize)), 4, c, s, s, k, kernelSize, kernelSize, stride, pad, o, o, 4);
        };
    }

    @Test
    void routinesCoverEveryCallOnceAndInOrder() {
        Plan plan = ResNets.create("resnet20", Shape.of(3, 8, 8), 10).compileTraining(2, Sgd.PAPER);
        int plainTasks = 0;
        int fusedTasks = 0;
        for (Stage stage : plan.stages()) {
            List<KernelCall> calls = new ArrayList<>();
            for (Op op : stage.ops()) {
                calls.addAll(op.lower(Tensor::new));
            }
            List<DeviceTask> plain = Routines.select(calls, Tuning.PLAIN);
            assertTrue(plain.stream().allMatch(t -> t instanceof DeviceTask.Plain));
            List<DeviceTask> tuned = Routines.select(calls, new Tuning(ConvTiling.CPU, false, 64, true, false));
            List<KernelCall> covered = new ArrayList<>();
            tuned.forEach(t -> covered.addAll(t.calls()));
            assertEquals(calls, covered, stage.name());
            plainTasks += plain.size();
            fusedTasks += tuned.size();
        }
        // per batch norm: 5 forward calls become 2 tasks and 4 backward calls 1 (the ReLUs join them)
        assertTrue(fusedTasks < plainTasks * 2 / 3, fusedTasks + " tasks of " + plainTasks);
    }

    /** The routine checks cover these by name: a new routine needs its check. */
    @Test
    void theCheckedNetsUseEveryFusedRoutine() {
        Set<String> routines = new TreeSet<>();
        for (ResNet net : List.of(ResNets.create("resnet20", Shape.of(3, 32, 32), 10), CheckNets.wideBottleneck(10))) {
            for (Plan plan : List.of(net.compileTraining(2, Sgd.PAPER), net.compileInference(2))) {
                for (Stage stage : plan.stages()) {
                    List<KernelCall> calls = new ArrayList<>();
                    for (Op op : stage.ops()) {
                        calls.addAll(op.lower(Tensor::new));
                    }
                    Routines.fused(calls).forEach(f -> routines.add(f.routine()));
                }
            }
        }
        assertEquals(new TreeSet<>(List.of("add_relu", "bn_backward_statistics", "bn_statistics", "inference_relu",
                "normalize_relu", "relu_bn_backward_statistics")), routines);
    }

    /** The plane routine checks cover these by name. */
    @Test
    void theCheckedNetsUseEveryPlaneRoutine() {
        Set<String> routines = new TreeSet<>();
        for (ResNet net : List.of(ResNets.create("resnet20", Shape.of(3, 32, 32), 10), CheckNets.wideBottleneck(10))) {
            for (Stage stage : net.compileTraining(2, Sgd.PAPER).stages()) {
                List<KernelCall> calls = new ArrayList<>();
                for (Op op : stage.ops()) {
                    calls.addAll(op.lower(Tensor::new));
                }
                Routines.byPlanes(calls).forEach(f -> routines.add(f.routine()));
            }
        }
        assertEquals(new TreeSet<>(List.of("planes_add", "planes_add_relu", "planes_bn", "planes_bn_backward",
                "planes_bn_relu", "planes_relu_bn_backward", "planes_shortcut_backward", "planes_shortcut_forward")),
                routines);
    }
}
