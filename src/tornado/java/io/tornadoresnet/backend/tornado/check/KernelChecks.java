package io.tornadoresnet.backend.tornado.check;

import io.tornadoresnet.backend.tornado.OneTaskGraph;
import io.tornadoresnet.check.Check;
import io.tornadoresnet.check.Errors;
import io.tornadoresnet.nn.CheckNets;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.nn.Sgd;
import io.tornadoresnet.plan.Kernel;
import io.tornadoresnet.plan.KernelCall;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.plan.Replicas;
import io.tornadoresnet.plan.Stage;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Every kernel, run as a one-task graph on the device ({@link OneTaskGraph}), against
 * {@link KernelCall#bind()} on the JVM, on the same random inputs. The calls come from real plans
 * (ResNet-20 on 3x8x8 images, also with batch norm synchronised over two replicas, and a tiny
 * bottleneck ResNet; training and inference, batch 2), so
 * shapes, strides and paddings are the ones the networks use (the host call between kernels,
 * {@link Kernel#REPLICA_MEAN}, is no kernel and is left out); for each kernel up to two calls with
 * different scalar arguments are checked. Every buffer of the call is compared afterwards, inputs
 * included: floats by their {@link Errors#scaled scaled error}, ints exactly (a mismatch makes the
 * error infinite).
 */
final class KernelChecks {
    private static final int CALLS_PER_KERNEL = 2;

    /** Parameters that must be positive: variances and partial sums of squares (a square root follows). */
    private static final Map<Kernel, Set<Integer>> POSITIVE = Map.of(
            Kernel.BN_FINISH_VARIANCE, Set.of(0, 4),
            Kernel.BN_FORWARD_INFERENCE, Set.of(2));

    private final String device;
    private Map<Kernel, List<KernelCall>> samples;

    KernelChecks(String device) {
        this.device = device;
    }

    List<Check> checks() {
        List<Check> checks = new ArrayList<>();
        for (Kernel kernel : Kernel.values()) {
            if (kernel.onHost()) {
                continue;
            }
            checks.add(new Check("kernels/" + kernel, Tolerances.KERNEL, () -> measure(kernel)));
        }
        return checks;
    }

    private Check.Measured measure(Kernel kernel) {
        List<KernelCall> calls = samples().get(kernel);
        if (calls == null || calls.isEmpty()) {
            throw new IllegalStateException("no plan of the checks calls " + kernel);
        }
        Random random = new Random(kernel.ordinal());
        Check.Measured worst = Check.Measured.of(0);
        for (KernelCall template : calls) {
            KernelCall onDevice = randomCopy(template, random);
            KernelCall onJvm = copy(onDevice);
            OneTaskGraph.run(onDevice, device);
            onJvm.bind().run();
            for (int i = 0; i < onDevice.args().length; i++) {
                String where = template.name() + " arg " + i;
                if (onDevice.args()[i] instanceof Tensor) {
                    worst = worst.worse(new Check.Measured(Errors.scaled(onDevice.floats(i), onJvm.floats(i)), where));
                } else if (onDevice.args()[i] instanceof int[]) {
                    double wrong = Errors.mismatches(onDevice.ints(i), onJvm.ints(i));
                    if (wrong > 0) {
                        worst = worst.worse(new Check.Measured(Double.POSITIVE_INFINITY,
                                where + ": " + (int) wrong + " ints differ"));
                    }
                }
            }
        }
        return worst;
    }

    /** Up to two calls of each kernel with distinct scalar arguments, collected once. */
    private Map<Kernel, List<KernelCall>> samples() {
        if (samples != null) {
            return samples;
        }
        ResNet resnet20 = ResNets.create("resnet20", Shape.of(3, 8, 8), 10);
        ResNet tiny = CheckNets.tinyBottleneck(10);
        Replicas twoReplicas = new Replicas() {
            @Override
            public int count() {
                return 2;
            }

            @Override
            public void averageInPlace(float[] values) {
            }
        };
        List<Plan> plans = List.of(resnet20.compileTraining(2, Sgd.PAPER), resnet20.compileInference(2),
                resnet20.compileTraining(2, Sgd.PAPER, twoReplicas),
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
        samples = new EnumMap<>(Kernel.class);
        distinct.forEach((k, m) -> samples.put(k, List.copyOf(m.values())));
        return samples;
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
