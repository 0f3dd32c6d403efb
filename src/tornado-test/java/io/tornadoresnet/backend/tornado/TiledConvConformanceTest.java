package io.tornadoresnet.backend.tornado;

import io.tornadoresnet.plan.ConvGeometry;
import io.tornadoresnet.plan.Kernel;
import io.tornadoresnet.plan.KernelCall;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tiled convolutions ({@link TiledConvKernels}) against the plain {@code ConvKernels} on the
 * JVM, for the three ops, over the ResNet-20 stage shapes and ResNet-50-like ones (7x7 stride 2,
 * 1x1, 1x1 stride 2, 3x3 stride 2), each with the GPU and CPU default tilings and an odd one whose
 * tiles do not divide any dimension. Batches of 3 leave a short last weight-gradient group.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TiledConvConformanceTest {
    private int graphs;

    /** n, c, h, w, k, kernel, stride, pad. */
    private static final int[][] SHAPES = {
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

    private static final ConvTiling ODD = ConvTiling.parse("8x2/3x5/8");

    @BeforeAll
    void device() {
        Conformance.assumeTornadoVm();
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (Kernel kernel : List.of(Kernel.CONV_FORWARD, Kernel.CONV_BACKWARD_DATA, Kernel.CONV_BACKWARD_WEIGHTS_PARTIAL)) {
            for (int[] s : SHAPES) {
                for (ConvTiling tiling : List.of(ConvTiling.GPU, ConvTiling.CPU, ODD)) {
                    cases.add(Arguments.of(kernel, s, tiling));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void tiledMatchesPlainKernel(Kernel kernel, int[] s, ConvTiling tiling) {
        ConvGeometry g = new ConvGeometry(s[0], s[1], s[2], s[3], s[4], s[5], s[5], s[6], s[7]);
        Random random = new Random(31 * kernel.ordinal() + s[1] * 7 + s[5]);
        Tensor in = random("in", Shape.of(g.n(), g.c(), g.h(), g.w()), random);
        Tensor out = random("out", Shape.of(g.n(), g.k(), g.oh(), g.ow()), random);
        Tensor weight = random("weight", Shape.of(g.k(), g.c(), g.kh(), g.kw()), random);
        int groups = Math.min(g.n(), 16);
        Tensor partial = random("partial", Shape.of(groups, g.weightSize()), random);
        KernelCall call = switch (kernel) {
            case CONV_FORWARD -> conv(kernel, in, weight, out, g);
            case CONV_BACKWARD_DATA -> conv(kernel, out, weight, in, g);
            default -> new KernelCall(kernel, "w", in, out, partial, g.n(), g.c(), g.h(), g.w(), g.k(), g.kh(), g.kw(),
                    g.stride(), g.pad(), g.oh(), g.ow(), groups);
        };
        KernelCall jvm = copy(call);
        jvm.bind().run();
        runTiled(call, tiling);
        for (int i = 0; i < 3; i++) {
            Conformance.assertClose(kernel + " " + g + " " + tiling + " arg " + i, call.floats(i), jvm.floats(i),
                    Conformance.KERNEL_TOL);
        }
    }

    private void runTiled(KernelCall call, ConvTiling tiling) {
        Object[] arrays = {call.floats(0), call.floats(1), call.floats(2)};
        String name = "tiled" + graphs++;
        GridScheduler grids = new GridScheduler();
        TaskGraph g = new TaskGraph(name).transferToDevice(DataTransferMode.EVERY_EXECUTION, arrays);
        assertTrue(ConvTasks.addTiled(g, name, "t", call, tiling, grids));
        g.transferToHost(DataTransferMode.EVERY_EXECUTION, arrays);
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(g.snapshot())) {
            plan.withGridScheduler(grids).execute();
        } catch (Exception e) {
            throw new AssertionError(call.kernel() + " (tiled " + tiling + ") failed on the device: " + e, e);
        }
    }

    private static KernelCall conv(Kernel kernel, Tensor a, Tensor b, Tensor c, ConvGeometry g) {
        return new KernelCall(kernel, "c", a, b, c, g.n(), g.c(), g.h(), g.w(), g.k(), g.kh(), g.kw(), g.stride(),
                g.pad(), g.oh(), g.ow());
    }

    private static Tensor random(String name, Shape shape, Random random) {
        Tensor t = new Tensor(name, shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = random.nextFloat() * 2 - 1;
        }
        return t;
    }

    private static KernelCall copy(KernelCall call) {
        Object[] args = call.args().clone();
        for (int i = 0; i < args.length; i++) {
            if (args[i] instanceof Tensor t) {
                Tensor fresh = new Tensor(t.name(), t.shape());
                System.arraycopy(t.data(), 0, fresh.data(), 0, t.size());
                args[i] = fresh;
            }
        }
        return new KernelCall(call.kernel(), call.name(), args);
    }
}
