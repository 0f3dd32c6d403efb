package io.tornadoresnet.backend.tornado;

import io.tornadoresnet.backend.jvm.ConvRoutine;
import io.tornadoresnet.backend.jvm.WorkerPool;
import io.tornadoresnet.plan.ConvGeometry;
import io.tornadoresnet.plan.Kernel;
import io.tornadoresnet.plan.KernelCall;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.enums.TornadoDeviceType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * GFLOP/s of the convolutions of ResNet-20 (batch 128) on the default TornadoVM device, plain
 * kernels, tiled ones and the {@link RowConvKernels} (where they apply), beside the JVM backend's
 * {@link ConvRoutine} on all cores: the median of timed runs after a warm-up. A benchmark, run by
 * hand in TornadoVM's JVM; {@code rows} among the tiles adds the row kernels' column:
 * <pre>
 * java $(tornado_java_args) -Dtornado.recover.bailout=False -cp target/tornado-resnet.jar \
 *     io.tornadoresnet.backend.tornado.ConvKernelTiming [TILE,TILE,...|default|rows] [plain|tiled] [runs] [shape]
 * </pre>
 */
public final class ConvKernelTiming {
    private static final int BATCH = 128;
    /** name, c, h, k, stride (3x3, pad 1, square images). */
    private static final Object[][] SHAPES = {
            {"stem", 3, 32, 16, 1}, {"stage1", 16, 32, 16, 1}, {"down2", 16, 32, 32, 2},
            {"stage2", 32, 16, 32, 1}, {"down3", 32, 16, 64, 2}, {"stage3", 64, 8, 64, 1},
    };
    private static final Kernel[] PASSES = {Kernel.CONV_FORWARD, Kernel.CONV_BACKWARD_DATA,
            Kernel.CONV_BACKWARD_WEIGHTS_PARTIAL};
    private static int graphs;

    private ConvKernelTiming() {
    }

    public static void main(String[] args) {
        List<ConvTiling> tilings = new ArrayList<>();
        boolean rows = false;
        for (String t : (args.length > 0 ? args[0] : "default").split(",")) {
            if (t.equals("rows")) {
                rows = true;
                continue;
            }
            tilings.add(t.equals("default") ? Tuning.select(TornadoExecutionPlan.DEFAULT_DEVICE == null
                    ? TornadoDeviceType.CPU : TornadoExecutionPlan.DEFAULT_DEVICE.getDeviceType()).conv()
                    : ConvTiling.parse(t));
        }
        boolean plain = args.length > 1 && args[1].equals("plain");
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        String only = args.length > 3 ? args[3] : null;
        int threads = Runtime.getRuntime().availableProcessors();
        System.out.printf("batch %d, %d runs; GFLOP/s (ms)%n", BATCH, runs);
        StringBuilder header = new StringBuilder(String.format("%-8s %-30s %18s %18s", "shape", "pass", "jvm",
                plain ? "plain" : ""));
        tilings.forEach(t -> header.append(String.format(" %18s", t)));
        if (rows) {
            header.append(String.format(" %18s", "rows"));
        }
        System.out.println(header);
        try (WorkerPool pool = new WorkerPool(threads)) {
            for (Object[] s : SHAPES) {
                if (only != null && !only.equals(s[0])) {
                    continue;
                }
                ConvGeometry g = new ConvGeometry(BATCH, (int) s[1], (int) s[2], (int) s[2], (int) s[3], 3, 3,
                        (int) s[4], 1);
                ConvRoutine routine = new ConvRoutine(g.n(), g.c(), g.h(), g.w(), g.k(), g.kh(), g.kw(), g.stride(),
                        g.pad(), g.oh(), g.ow(), threads);
                double flops = 2.0 * g.macs();
                for (Kernel pass : PASSES) {
                    KernelCall call = call(pass, g);
                    double jvm = median(runs, () -> jvmPass(routine, pass, call, pool));
                    double plainMs = plain ? device(call, (ConvTiling) null, runs) : Double.NaN;
                    StringBuilder line = new StringBuilder(String.format("%-8s %-30s %18s %18s", s[0], pass,
                            rate(flops, jvm), rate(flops, plainMs)));
                    for (ConvTiling t : tilings) {
                        line.append(String.format(" %18s", rate(flops, device(call, t, runs))));
                    }
                    if (rows) {
                        line.append(String.format(" %18s", !ConvTasks.rowsApply(call) ? "-"
                                : rate(flops, device(call, new DeviceTask.RowConv(call), runs))));
                    }
                    System.out.println(line);
                }
            }
        }
    }

    private static void jvmPass(ConvRoutine routine, Kernel pass, KernelCall c, WorkerPool pool) {
        switch (pass) {
            case CONV_FORWARD -> routine.forward(c.floats(0), c.floats(1), c.floats(2), pool);
            case CONV_BACKWARD_DATA -> routine.backwardData(c.floats(0), c.floats(1), c.floats(2), pool);
            default -> routine.backwardWeights(c.floats(0), c.floats(1), new float[c.integer(7) * c.integer(4) * 9],
                    pool);
        }
    }

    /** Milliseconds of one pass on the device (median), inputs resident, nothing copied back. */
    private static double device(KernelCall call, ConvTiling tiling, int runs) {
        return device(call, tiling == null ? new DeviceTask.Plain(call) : new DeviceTask.TiledConv(call, tiling), runs);
    }

    private static double device(KernelCall call, DeviceTask task, int runs) {
        Object[] arrays = {call.floats(0), call.floats(1), call.floats(2)};
        String name = "timing" + graphs++;
        TaskGraph g = new TaskGraph(name).transferToDevice(DataTransferMode.FIRST_EXECUTION, arrays);
        GridScheduler grids = new GridScheduler();
        task.add(g, name, "t", grids);
        g.transferToHost(DataTransferMode.UNDER_DEMAND, call.floats(2));
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(g.snapshot())) {
            if (task.launched()) {
                plan.withGridScheduler(grids);
            }
            plan.execute();
            return median(runs, plan::execute);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static double median(int runs, Runnable r) {
        r.run();
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            r.run();
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        return ms[runs / 2];
    }

    private static String rate(double flops, double ms) {
        return Double.isNaN(ms) ? "" : String.format("%7.2f (%7.1f)", flops / ms / 1e6, ms);
    }

    private static KernelCall call(Kernel pass, ConvGeometry g) {
        Random random = new Random(pass.ordinal());
        Tensor in = random(Shape.of(g.n(), g.c(), g.h(), g.w()), random);
        Tensor out = random(Shape.of(g.n(), g.k(), g.oh(), g.ow()), random);
        Tensor weight = random(Shape.of(g.k(), g.c(), g.kh(), g.kw()), random);
        int groups = Math.min(g.n(), io.tornadoresnet.plan.Op.MAX_WEIGHT_GRADIENT_GROUPS);
        return switch (pass) {
            case CONV_FORWARD -> new KernelCall(pass, "c", in, weight, out, g.n(), g.c(), g.h(), g.w(), g.k(), g.kh(),
                    g.kw(), g.stride(), g.pad(), g.oh(), g.ow());
            case CONV_BACKWARD_DATA -> new KernelCall(pass, "c", out, weight, in, g.n(), g.c(), g.h(), g.w(), g.k(),
                    g.kh(), g.kw(), g.stride(), g.pad(), g.oh(), g.ow());
            default -> new KernelCall(pass, "c", in, out, random(Shape.of(groups, g.weightSize()), random), g.n(), g.c(),
                    g.h(), g.w(), g.k(), g.kh(), g.kw(), g.stride(), g.pad(), g.oh(), g.ow(), groups);
        };
    }

    private static Tensor random(Shape shape, Random random) {
        Tensor t = new Tensor("t", shape);
        float[] d = t.data();
        for (int i = 0; i < d.length; i++) {
            d[i] = random.nextFloat() * 2 - 1;
        }
        return t;
    }
}
