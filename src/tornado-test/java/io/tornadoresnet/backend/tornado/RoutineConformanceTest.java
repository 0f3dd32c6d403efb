package io.tornadoresnet.backend.tornado;

import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.nn.Sgd;
import io.tornadoresnet.nn.TestNets;
import io.tornadoresnet.plan.KernelCall;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.plan.Stage;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every fused routine that {@link Routines} picks in real plans (ResNet-20 and the bottleneck net,
 * training and inference, batch 3), run on the device against the plain kernel calls it stands
 * for, run on the JVM, on the same random buffers; every buffer the routine passes is compared.
 * Each kind of routine is checked on up to two calls of different shapes, with the CPU and the GPU
 * reduction widths.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RoutineConformanceTest {
    private static final int PER_KIND = 2;
    private final Map<String, List<DeviceTask>> samples = new LinkedHashMap<>();
    private int graphs;

    @BeforeAll
    void collect() {
        Conformance.assumeTornadoVm();
        ResNet resnet20 = ResNets.create("resnet20", Shape.of(3, 8, 8), 10);
        ResNet tiny = TestNets.tinyBottleneck(10);
        List<Plan> plans = List.of(resnet20.compileTraining(3, Sgd.PAPER), resnet20.compileInference(3),
                tiny.compileTraining(3, new Sgd(0.9f, 1e-4f, true)), tiny.compileInference(3));
        Tuning fused = new Tuning(null, 64, true);
        for (Plan plan : plans) {
            for (Stage stage : plan.stages()) {
                List<KernelCall> calls = new ArrayList<>();
                for (Op op : stage.ops()) {
                    calls.addAll(op.lower(Tensor::new));
                }
                for (DeviceTask task : Routines.select(calls, fused)) {
                    if (!(task instanceof DeviceTask.Plain)) {
                        List<DeviceTask> kind = samples.computeIfAbsent(task.label(), k -> new ArrayList<>());
                        if (kind.size() < PER_KIND && kind.stream().noneMatch(t -> t.use().scalars().equals(task.use().scalars()))) {
                            kind.add(task);
                        }
                    }
                }
            }
        }
    }

    @Test
    void plansUseEveryRoutine() {
        assertEquals(Set.of("bn_statistics", "normalize_relu", "add_relu", "relu_bn_backward_statistics",
                "bn_backward_statistics", "inference_relu"), samples.keySet());
    }

    @ParameterizedTest
    @ValueSource(ints = {64, 256})
    void routinesMatchTheirPlainCalls(int group) {
        Tuning tuning = new Tuning(null, group, true);
        Random random = new Random(group);
        for (List<DeviceTask> kind : samples.values()) {
            for (DeviceTask template : kind) {
                Map<Tensor, Tensor> deviceSide = new IdentityHashMap<>();
                Map<Tensor, Tensor> jvmSide = new IdentityHashMap<>();
                List<KernelCall> deviceCalls = new ArrayList<>();
                for (KernelCall call : template.calls()) {
                    KernelCall fresh = remap(call, deviceSide, random);
                    deviceCalls.add(fresh);
                    KernelCall jvm = remap(fresh, jvmSide, null);
                    jvm.bind().run();
                }
                List<DeviceTask> reselected = Routines.select(deviceCalls, tuning);
                assertEquals(1, reselected.size(), template.label() + " selected again over fresh buffers");
                DeviceTask task = reselected.get(0);
                run(task);
                for (Map.Entry<Tensor, Tensor> e : deviceSide.entrySet()) {
                    Tensor device = e.getValue();
                    if (task.use().arrays().stream().anyMatch(a -> a == device.data())) {
                        Conformance.assertClose(task.label() + " (" + group + "-wide) " + device.name(), device.data(),
                                jvmSide.get(device).data(), Conformance.KERNEL_TOL);
                    }
                }
            }
        }
    }

    private void run(DeviceTask task) {
        Object[] arrays = task.use().arrays().toArray();
        String name = "routine" + graphs++;
        GridScheduler grids = new GridScheduler();
        TaskGraph g = new TaskGraph(name).transferToDevice(DataTransferMode.EVERY_EXECUTION, arrays);
        task.add(g, name, "t", grids);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, arrays);
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(g.snapshot())) {
            if (task.launched()) {
                plan.withGridScheduler(grids);
            }
            plan.execute();
        } catch (Exception e) {
            throw new AssertionError(task.label() + " failed on the device: " + e, e);
        }
    }

    /**
     * The call over other tensors: each tensor maps to one fresh tensor (the same for every call of a
     * run), filled at random (running variances positive) or, with no random, copied.
     */
    private static KernelCall remap(KernelCall call, Map<Tensor, Tensor> fresh, Random random) {
        Object[] args = call.args().clone();
        for (int i = 0; i < args.length; i++) {
            if (args[i] instanceof Tensor t) {
                args[i] = fresh.computeIfAbsent(t, k -> {
                    Tensor f = new Tensor(k.name(), k.shape());
                    float[] d = f.data();
                    boolean positive = k.name().endsWith("running_var");
                    for (int j = 0; j < d.length; j++) {
                        d[j] = random == null ? k.data()[j]
                                : positive ? 0.1f + random.nextFloat() : random.nextFloat() * 2 - 1;
                    }
                    return f;
                });
            }
        }
        return new KernelCall(call.kernel(), call.name(), args);
    }
}
