import io.tornadoresnet.train.CurvePlot;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Step time of synchronous data-parallel SGD at N workers, from a measured compute time per step.
 *
 * <p>Each worker computes its gradients (t_compute, on its own batch: weak scaling), then a ring
 * all-reduce moves 2(N-1)/N x 4 bytes x parameters through each worker's link (reduce-scatter, then
 * all-gather), plus 2(N-1) message latencies. Without overlap a step takes t_compute + t_comm; with
 * the backward pass overlapping the all-reduce of earlier buckets, at best max(t_compute, t_comm)
 * (a bound: bucketed overlap is not built). Communication dominates where t_comm > t_compute ('*').
 *
 * <pre>
 * java -cp target/tornado-resnet.jar benchmarks/ScalingModel.java [--latency-us 20] [--png FILE]
 * </pre>
 */
public final class ScalingModel {
    private static final int[] TABLE_WORKERS = {2, 4, 8, 16, 32, 64};
    private static final int[] LINKS_GBIT = {10, 25, 100};

    /** A model, where its compute time was measured, and that time. */
    private record Compute(String model, long parameters, String where, double seconds) {
    }

    // Measured: this machine's 2 idle cores (benchmarks/README.md: ResNet-20 3x32x32 at batch 128,
    // 804 images/s; ResNet-50 3x224x224 at batch 16, 8.2 images/s) and PyTorch on an H100 (README,
    // "Measured on a GPU": ResNet-20 at batch 128, 23,091 images/s; ResNet-50 at batch 32, 795).
    private static final List<Compute> MEASURED = List.of(
            new Compute("ResNet-20", 272_474, "CPU, 2 cores, batch 128", 128 / 804.0),
            new Compute("ResNet-50", 25_557_032, "CPU, 2 cores, batch 16", 16 / 8.2),
            new Compute("ResNet-20", 272_474, "H100, PyTorch, batch 128", 128 / 23_091.0),
            new Compute("ResNet-50", 25_557_032, "H100, PyTorch, batch 32", 32 / 795.0));

    static double ringBytes(int n, long parameters) {
        return 2.0 * (n - 1) / n * 4 * parameters;
    }

    static double commSeconds(int n, long parameters, double gbit, double latency) {
        return ringBytes(n, parameters) / (gbit * 1e9 / 8) + 2.0 * (n - 1) * latency;
    }

    public static void main(String[] args) throws Exception {
        double latency = 20e-6;
        Path png = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--latency-us" -> latency = Double.parseDouble(args[++i]) * 1e-6;
                case "--png" -> png = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]
                        + "; usage: ScalingModel [--latency-us US] [--png FILE]");
            }
        }
        StringBuilder head = new StringBuilder("| model | compute per step | link |");
        StringBuilder rule = new StringBuilder("|---|---|---|");
        for (int n : TABLE_WORKERS) {
            head.append(" N = ").append(n).append(" |");
            rule.append("---:|");
        }
        System.out.println(head);
        System.out.println(rule);
        for (Compute c : MEASURED) {
            for (int g : LINKS_GBIT) {
                StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %s | %.4g ms (%s) | %d Gbit/s |",
                        c.model(), c.seconds() * 1000, c.where(), g));
                for (int n : TABLE_WORKERS) {
                    double t = c.seconds();
                    double comm = commSeconds(n, c.parameters(), g, latency);
                    row.append(String.format(Locale.ROOT, " %.4g ms, x%.3g (%.3g)%s |", (t + comm) * 1000,
                            n * t / (t + comm), n * t / Math.max(t, comm), comm > t ? " *" : ""));
                }
                System.out.println(row);
            }
        }
        System.out.println();
        System.out.println("Each cell: the step time without overlap, the speed-up over one worker (N x compute / step"
                + " time) and, in parentheses, with ideal overlap; * where the all-reduce takes longer than compute.");
        System.out.printf(Locale.ROOT, "All-reduce bytes per worker per step: ResNet-20 %.2f MB at N = 2 to %.2f MB at"
                        + " N = 64, ResNet-50 %.1f MB to %.1f MB; latency %.0f us a message, 2(N-1) messages.%n",
                ringBytes(2, 272_474) / 1e6, ringBytes(64, 272_474) / 1e6, ringBytes(2, 25_557_032) / 1e6,
                ringBytes(64, 25_557_032) / 1e6, latency * 1e6);
        if (png != null) {
            List<CurvePlot.Panel> panels = new ArrayList<>();
            for (Compute c : MEASURED.subList(2, 4)) {
                panels.add(panel(c, latency));
            }
            CurvePlot.write(png, panels);
            System.out.println("plot: " + png);
        }
    }

    /** Speed-up against N for each link, without overlap (bold) and with ideal overlap (dashed). */
    private static CurvePlot.Panel panel(Compute c, double latency) {
        double[] workers = new double[63];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = i + 2;
        }
        List<CurvePlot.Series> series = new ArrayList<>();
        for (int k = 0; k < LINKS_GBIT.length; k++) {
            double[] plain = new double[workers.length];
            double[] overlapped = new double[workers.length];
            for (int i = 0; i < workers.length; i++) {
                int n = (int) workers[i];
                double t = c.seconds();
                double comm = commSeconds(n, c.parameters(), LINKS_GBIT[k], latency);
                plain[i] = n * t / (t + comm);
                overlapped[i] = n * t / Math.max(t, comm);
            }
            series.add(new CurvePlot.Series(LINKS_GBIT[k] + " Gbit/s", workers, plain, false, k));
            series.add(new CurvePlot.Series(LINKS_GBIT[k] + " Gbit/s, overlapped", workers, overlapped, true, k));
        }
        series.add(new CurvePlot.Series("linear", workers, workers.clone(), true, 4));
        return new CurvePlot.Panel(String.format(Locale.ROOT, "%s, %.1f ms a step (%s)", c.model(), c.seconds() * 1000,
                c.where()), "speed-up over 1 worker", series, Double.NaN, "workers");
    }
}
