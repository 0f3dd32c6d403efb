package io.tornadoresnet.backend.tornado.check;

import io.tornadoresnet.backend.tornado.OneTaskGraph;
import io.tornadoresnet.backend.tornado.Routines;
import io.tornadoresnet.check.Check;
import io.tornadoresnet.check.Errors;
import io.tornadoresnet.nn.CheckNets;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.nn.Sgd;
import io.tornadoresnet.plan.ConvGeometry;
import io.tornadoresnet.plan.Kernel;
import io.tornadoresnet.plan.KernelCall;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.plan.Stage;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The device routines that the tornado backend picks in place of plain kernels, each run alone on
 * the device ({@link OneTaskGraph}) against the plain kernel calls it replaces, run on the JVM, on
 * the same random buffers:
 * <ul>
 * <li>{@code kernels/tiled ...}: the tiled convolutions, all three ops, with the GPU and CPU default
 * tiles and an odd one whose tiles divide no dimension, over ResNet-20's stage shapes and ResNet-50's
 * (7x7 stride 2, 1x1, 1x1 stride 2, 3x3 stride 2 on an odd size); batches of 3 leave a short last
 * weight-gradient group;</li>
 * <li>{@code kernels/rows ...}: the row convolutions (forward, input gradient, weight gradient)
 * on those of the same shapes they take;</li>
 * <li>{@code kernels/<routine>}: the fused batch-norm and ReLU routines on every shape they get in
 * ResNet-20 on 3x32x32 and {@link CheckNets#wideBottleneck} (training and inference, batch 2), the
 * reductions with the CPU and the GPU work-group widths;</li>
 * <li>{@code kernels/planes_...}: the routines by planes on the same shapes: each training batch norm
 * (forward with and without the ReLU after it, backward with and without the ReLU backward before it),
 * with the CPU width and with one work-item a channel, which then walks every plane; the residual sums
 * with and without the ReLU, and the option-A shortcuts.</li>
 * </ul>
 */
final class RoutineChecks {
    /** n, c, h, w, k, kernel, stride, pad. */
    private static final int[][] CONV_SHAPES = {
            {3, 3, 32, 32, 16, 3, 1, 1},    // ResNet-20 stem
            {3, 16, 32, 32, 16, 3, 1, 1},   // stage 1
            {3, 16, 32, 32, 32, 3, 2, 1},   // stage 2, first conv
            {3, 32, 16, 16, 32, 3, 1, 1},   // stage 2
            {3, 32, 16, 16, 64, 3, 2, 1},   // stage 3, first conv
            {3, 64, 8, 8, 64, 3, 1, 1},     // stage 3
            {2, 3, 40, 40, 64, 7, 2, 3},    // ResNet-50 stem, 7x7 stride 2
            {2, 64, 10, 10, 256, 1, 1, 0},  // bottleneck 1x1 expansion
            {2, 256, 10, 10, 128, 1, 2, 0}, // 1x1 stride-2 projection
            {2, 128, 9, 9, 128, 3, 2, 1},   // bottleneck 3x3 stride 2, odd size
    };
    private static final String ODD_TILE = "8x2/3x5/8";
    private static final List<Kernel> CONVOLUTIONS = List.of(Kernel.CONV_FORWARD, Kernel.CONV_BACKWARD_DATA,
            Kernel.CONV_BACKWARD_WEIGHTS_PARTIAL);
    /** The routines whose work-group width matters, checked at each default width. */
    private static final List<String> REDUCTIONS = List.of("bn_statistics", "bn_backward_statistics",
            "relu_bn_backward_statistics");
    private static final List<String> ELEMENT_WISE = List.of("normalize_relu", "inference_relu", "add_relu");
    private static final List<String> PLANE_REDUCTIONS = List.of("planes_bn", "planes_bn_relu", "planes_bn_backward",
            "planes_relu_bn_backward");
    private static final List<String> PLANE_ELEMENT_WISE = List.of("planes_add", "planes_add_relu",
            "planes_shortcut_forward", "planes_shortcut_backward");
    /** The plane routines' widths: the CPU default, and one work-item that walks every plane of its channel. */
    private static final List<Integer> PLANE_GROUPS = List.of(Routines.DEFAULT_REDUCE_GROUPS.get(0), 1);

    private final String device;
    private Map<String, List<List<KernelCall>>> fusedSamples;
    private Map<String, List<List<KernelCall>>> planeSamples;

    RoutineChecks(String device) {
        this.device = device;
    }

    List<Check> checks() {
        List<Check> checks = new ArrayList<>();
        List<String> tiles = new ArrayList<>(Routines.DEFAULT_TILES);
        tiles.add(ODD_TILE);
        for (Kernel kernel : CONVOLUTIONS) {
            for (String tile : tiles) {
                checks.add(new Check("kernels/tiled " + kernel + " " + tile, Tolerances.KERNEL, () -> tiled(kernel, tile)));
            }
        }
        for (Kernel kernel : CONVOLUTIONS) {
            checks.add(new Check("kernels/rows " + kernel, Tolerances.KERNEL, () -> rows(kernel)));
        }
        for (String routine : REDUCTIONS) {
            for (int group : Routines.DEFAULT_REDUCE_GROUPS) {
                checks.add(new Check("kernels/" + routine + " " + group + "-wide", Tolerances.KERNEL,
                        () -> fused(routine, group)));
            }
        }
        for (String routine : ELEMENT_WISE) {
            checks.add(new Check("kernels/" + routine, Tolerances.KERNEL,
                    () -> fused(routine, Routines.DEFAULT_REDUCE_GROUPS.get(0))));
        }
        for (String routine : PLANE_REDUCTIONS) {
            for (int group : PLANE_GROUPS) {
                checks.add(new Check("kernels/" + routine + " " + group + "-wide", Tolerances.KERNEL,
                        () -> planes(routine, group)));
            }
        }
        for (String routine : PLANE_ELEMENT_WISE) {
            checks.add(new Check("kernels/" + routine, Tolerances.KERNEL,
                    () -> planes(routine, PLANE_GROUPS.get(0))));
        }
        return checks;
    }

    private Check.Measured tiled(Kernel kernel, String tile) {
        return convolutions(kernel, call -> true, call -> OneTaskGraph.runTiled(call, tile, device));
    }

    /** The row kernels on every shape they take (output channels in blocks of 16, rows that fit in local memory). */
    private Check.Measured rows(Kernel kernel) {
        return convolutions(kernel, OneTaskGraph::rowsApply, call -> OneTaskGraph.runRows(call, device));
    }

    /** The largest error of {@code onDevice} against the plain kernel on the JVM over the shapes it {@code applies} to. */
    private Check.Measured convolutions(Kernel kernel, Predicate<KernelCall> applies, Consumer<KernelCall> onDevice) {
        Check.Measured worst = Check.Measured.of(0);
        for (int[] s : CONV_SHAPES) {
            ConvGeometry g = new ConvGeometry(s[0], s[1], s[2], s[3], s[4], s[5], s[5], s[6], s[7]);
            Random random = new Random(31L * kernel.ordinal() + s[1] * 7L + s[5]);
            Tensor in = randomTensor("in", Shape.of(g.n(), g.c(), g.h(), g.w()), random);
            Tensor out = randomTensor("out", Shape.of(g.n(), g.k(), g.oh(), g.ow()), random);
            Tensor weight = randomTensor("weight", Shape.of(g.k(), g.c(), g.kh(), g.kw()), random);
            int groups = Math.min(g.n(), 16);
            Tensor partial = randomTensor("partial", Shape.of(groups, g.weightSize()), random);
            KernelCall call = switch (kernel) {
                case CONV_FORWARD -> convolution(kernel, in, weight, out, g);
                case CONV_BACKWARD_DATA -> convolution(kernel, out, weight, in, g);
                default -> new KernelCall(kernel, "w", in, out, partial, g.n(), g.c(), g.h(), g.w(), g.k(), g.kh(),
                        g.kw(), g.stride(), g.pad(), g.oh(), g.ow(), groups);
            };
            if (!applies.test(call)) {
                continue;
            }
            KernelCall onJvm = remap(call, new IdentityHashMap<>(), null);
            onJvm.bind().run();
            onDevice.accept(call);
            for (int i = 0; i < 3; i++) {
                worst = worst.worse(new Check.Measured(Errors.scaled(call.floats(i), onJvm.floats(i)), g + " arg " + i));
            }
        }
        return worst;
    }

    private Check.Measured fused(String routine, int group) {
        return replaced(routine, fusedSamples().get(routine), group, false);
    }

    private Check.Measured planes(String routine, int group) {
        if (planeSamples == null) {
            planeSamples = samples(Routines::byPlanes);
        }
        return replaced(routine, planeSamples.get(routine), group, true);
    }

    /** The routine on each run of calls it replaces against those calls on the JVM, on the buffers it passes. */
    private Check.Measured replaced(String routine, List<List<KernelCall>> templates, int group, boolean planes) {
        if (templates == null) {
            throw new IllegalStateException("no plan of the checks uses " + routine);
        }
        Random random = new Random(routine.hashCode() + group);
        Check.Measured worst = Check.Measured.of(0);
        for (List<KernelCall> template : templates) {
            Map<Tensor, Tensor> deviceSide = new IdentityHashMap<>();
            Map<Tensor, Tensor> jvmSide = new IdentityHashMap<>();
            List<KernelCall> onDevice = new ArrayList<>();
            for (KernelCall call : template) {
                KernelCall fresh = remap(call, deviceSide, random);
                onDevice.add(fresh);
                remap(fresh, jvmSide, null).bind().run();
            }
            List<Object> passed = OneTaskGraph.runFused(onDevice, group, planes, device);
            int compared = 0;
            for (Tensor t : deviceSide.values()) {
                if (passed.stream().anyMatch(a -> a == t.data())) {
                    compared++;
                    worst = worst.worse(new Check.Measured(Errors.scaled(t.data(), jvmSide.get(t).data()),
                            template.get(0).name() + " " + t.name() + " " + t.shape()));
                }
            }
            if (compared == 0) {
                throw new IllegalStateException(routine + " passes none of the buffers of " + template);
            }
        }
        return worst;
    }

    /** Every run of calls a fused routine replaces, one per routine and distinct scalar arguments, collected once. */
    private Map<String, List<List<KernelCall>>> fusedSamples() {
        if (fusedSamples == null) {
            fusedSamples = samples(Routines::fused);
        }
        return fusedSamples;
    }

    /** The runs of calls that {@code routines} finds in the checked nets' stages, one per routine and distinct scalars. */
    private static Map<String, List<List<KernelCall>>> samples(Function<List<KernelCall>, List<Routines.Fused>> routines) {
        ResNet resnet20 = ResNets.create("resnet20", Shape.of(3, 32, 32), 10);
        ResNet wide = CheckNets.wideBottleneck(10);
        List<Plan> plans = List.of(resnet20.compileTraining(2, Sgd.PAPER), resnet20.compileInference(2),
                wide.compileTraining(2, new Sgd(0.9f, 1e-4f, true)), wide.compileInference(2));
        Map<String, Map<List<Object>, List<KernelCall>>> distinct = new LinkedHashMap<>();
        for (Plan plan : plans) {
            for (Stage stage : plan.stages()) {
                List<KernelCall> calls = new ArrayList<>();
                for (Op op : stage.ops()) {
                    calls.addAll(op.lower(Tensor::new));
                }
                for (Routines.Fused run : routines.apply(calls)) {
                    List<Object> scalars = new ArrayList<>();
                    run.calls().forEach(c -> scalars.addAll(scalarsOf(c)));
                    distinct.computeIfAbsent(run.routine(), k -> new LinkedHashMap<>()).putIfAbsent(scalars, run.calls());
                }
            }
        }
        Map<String, List<List<KernelCall>>> samples = new HashMap<>();
        distinct.forEach((routine, runs) -> samples.put(routine, List.copyOf(runs.values())));
        return samples;
    }

    private static List<Object> scalarsOf(KernelCall call) {
        List<Object> scalars = new ArrayList<>();
        for (Object a : call.args()) {
            if (a instanceof Number) {
                scalars.add(a);
            }
        }
        return scalars;
    }

    private static KernelCall convolution(Kernel kernel, Tensor a, Tensor b, Tensor c, ConvGeometry g) {
        return new KernelCall(kernel, "c", a, b, c, g.n(), g.c(), g.h(), g.w(), g.k(), g.kh(), g.kw(), g.stride(),
                g.pad(), g.oh(), g.ow());
    }

    private static Tensor randomTensor(String name, Shape shape, Random random) {
        Tensor t = new Tensor(name, shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = random.nextFloat() * 2 - 1;
        }
        return t;
    }

    /**
     * The call over other tensors: each tensor maps to one fresh tensor (the same for every call of a
     * run, so the calls still pass each other their buffers), filled at random (running variances
     * positive, as a square root follows) or, with no random, copied.
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
