package io.tornadoresnet.backend.tornado;

import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.nn.Sgd;
import io.tornadoresnet.nn.TestNets;
import io.tornadoresnet.plan.Kernel;
import io.tornadoresnet.plan.KernelCall;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.plan.Stage;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Every kernel, run as a one-task TaskGraph on the TornadoVM device, against
 * {@link KernelCall#bind()} on the JVM, on the same random inputs. The calls come from real plans
 * (ResNet-20 and a tiny bottleneck ResNet, training and inference, batch 2), so shapes, strides and
 * paddings are the ones the networks use; for each kernel up to two calls with different scalar
 * arguments are checked. Every buffer of the call is compared afterwards, inputs included, within
 * {@link Conformance#KERNEL_TOL} (scaled, see {@link Conformance}); int buffers exactly.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KernelConformanceTest {
    private static final int CALLS_PER_KERNEL = 2;

    /** Parameters that must be positive: variances and partial sums of squares (a square root follows). */
    private static final Map<Kernel, Set<Integer>> POSITIVE = Map.of(
            Kernel.BN_FINISH_VARIANCE, Set.of(0, 4),
            Kernel.BN_FORWARD_INFERENCE, Set.of(2));

    private final Map<Kernel, List<KernelCall>> samples = new EnumMap<>(Kernel.class);
    private int graphs;

    @BeforeAll
    void collectCalls() {
        Conformance.assumeTornadoVm();
        ResNet resnet20 = ResNets.create("resnet20", Shape.of(3, 8, 8), 10);
        ResNet tiny = TestNets.tinyBottleneck(10);
        List<Plan> plans = List.of(resnet20.compileTraining(2, Sgd.PAPER), resnet20.compileInference(2),
                tiny.compileTraining(2, new Sgd(0.9f, 1e-4f, true)), tiny.compileInference(2));
        Map<Kernel, Map<List<Object>, KernelCall>> distinct = new EnumMap<>(Kernel.class);
        for (Plan plan : plans) {
            for (Stage stage : plan.stages()) {
                for (Op op : stage.ops()) {
                    for (KernelCall call : op.lower(Tensor::new)) {
                        List<Object> scalars = new ArrayList<>();
                        for (Object a : call.args()) {
                            if (a instanceof Number) {
                                scalars.add(a);
                            }
                        }
                        Map<List<Object>, KernelCall> bySignature =
                                distinct.computeIfAbsent(call.kernel(), k -> new LinkedHashMap<>());
                        if (bySignature.size() < CALLS_PER_KERNEL) {
                            bySignature.putIfAbsent(scalars, call);
                        }
                    }
                }
            }
        }
        distinct.forEach((k, m) -> samples.put(k, List.copyOf(m.values())));
    }

    @ParameterizedTest
    @EnumSource(Kernel.class)
    void kernelMatchesJvm(Kernel kernel) {
        List<KernelCall> calls = samples.get(kernel);
        assertFalse(calls == null || calls.isEmpty(), "no plan of the suite calls " + kernel);
        Random random = new Random(kernel.ordinal());
        for (KernelCall template : calls) {
            KernelCall device = randomCopy(template, random);
            KernelCall jvm = copy(device);
            runOnDevice(device);
            jvm.bind().run();
            for (int i = 0; i < device.args().length; i++) {
                String what = kernel + " " + template.name() + " arg " + i;
                if (device.args()[i] instanceof Tensor) {
                    Conformance.assertClose(what, device.floats(i), jvm.floats(i), Conformance.KERNEL_TOL);
                } else if (device.args()[i] instanceof int[]) {
                    Conformance.assertSame(what, device.ints(i), jvm.ints(i));
                }
            }
        }
    }

    /** One task in one graph: every buffer in before, every buffer out after. */
    private void runOnDevice(KernelCall call) {
        List<Object> arrays = Residency.TaskUse.of(call).arrays();
        TaskGraph g = new TaskGraph("kernel" + graphs++)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, arrays.toArray());
        Tasks.add(g, "t", call);
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, arrays.toArray());
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(g.snapshot())) {
            plan.execute();
        } catch (Exception e) {
            throw new AssertionError(call.kernel() + " failed on the device: " + e, e);
        }
    }

    /** The call over fresh buffers of the same shapes, filled at random within each kernel's domain. */
    private static KernelCall randomCopy(KernelCall call, Random random) {
        Object[] args = call.args().clone();
        Set<Integer> positive = POSITIVE.getOrDefault(call.kernel(), Set.of());
        for (int i = 0; i < args.length; i++) {
            if (args[i] instanceof Tensor t) {
                Tensor fresh = new Tensor(t.name(), t.shape());
                float[] d = fresh.data();
                for (int j = 0; j < d.length; j++) {
                    d[j] = positive.contains(i) ? 0.1f + random.nextFloat() : random.nextFloat() * 2 - 1;
                }
                args[i] = fresh;
            } else if (args[i] instanceof int[] a) {
                int[] fresh = new int[a.length];
                int bound = switch (call.kernel()) {
                    case SOFTMAX_CROSS_ENTROPY -> call.integer(6);                 // classes
                    case MAX_POOL_BACKWARD -> call.integer(5) * call.integer(6);   // h * w: an input pixel
                    default -> 1 << 16;                                            // an output, overwritten
                };
                for (int j = 0; j < fresh.length; j++) {
                    fresh[j] = random.nextInt(bound);
                }
                args[i] = fresh;
            }
        }
        return new KernelCall(call.kernel(), call.name(), args);
    }

    private static KernelCall copy(KernelCall call) {
        Object[] args = call.args().clone();
        for (int i = 0; i < args.length; i++) {
            if (args[i] instanceof Tensor t) {
                Tensor fresh = new Tensor(t.name(), t.shape());
                System.arraycopy(t.data(), 0, fresh.data(), 0, t.size());
                args[i] = fresh;
            } else if (args[i] instanceof int[] a) {
                args[i] = a.clone();
            }
        }
        return new KernelCall(call.kernel(), call.name(), args);
    }
}
