package io.tornadoresnet.backend.tornado;

import io.tornadoresnet.nn.CheckNets;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.nn.Sgd;
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
        assertEquals(new Tuning(null, 128, false), t);
        System.setProperty(Tuning.REDUCE_PROPERTY, "100");
        assertThrows(IllegalArgumentException.class, () -> Tuning.select(TornadoDeviceType.GPU));
        System.setProperty(Tuning.REDUCE_PROPERTY, "plain");
        System.setProperty(Tuning.FUSE_PROPERTY, "yes");
        assertThrows(IllegalArgumentException.class, () -> Tuning.select(TornadoDeviceType.GPU));
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
            List<DeviceTask> tuned = Routines.select(calls, new Tuning(ConvTiling.CPU, 64, true));
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
}
