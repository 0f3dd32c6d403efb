package io.tornadoresnet.benchmarks;

import java.util.Collection;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * Runs the benchmarks selected by the usual JMH command line and prints each result also as GFLOP/s:
 * of the mean over all iterations, and of the best iteration, which on a shared machine is the
 * better estimate of what the code does on a quiet one.
 */
public final class Report {

    private Report() {
    }

    private static double millis(double score, String unit) {
        return switch (unit) {
            case "us/op" -> score / 1e3;
            case "ms/op" -> score;
            case "s/op" -> score * 1e3;
            default -> Double.NaN;
        };
    }

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        Collection<RunResult> results = new Runner(new CommandLineOptions(args)).run();
        System.out.println();
        System.out.printf("%-60s %10s %10s %10s %10s%n", "benchmark", "mean ms", "GFLOP/s", "best ms", "GFLOP/s");
        for (RunResult result : results) {
            String name = result.getParams().getBenchmark();
            String shape = result.getParams().getParam("shape");
            double flops = name.contains("Gemm") ? GemmBenchmark.flops(shape) : ConvShape.named(shape).flops();
            String threads = result.getParams().getParam("threads");
            String label = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1)
                    + " [" + shape + (threads == null ? "" : ", " + threads + " threads") + "]";
            String unit = result.getPrimaryResult().getScoreUnit();
            double mean = millis(result.getPrimaryResult().getScore(), unit);
            double best = Double.POSITIVE_INFINITY;
            for (BenchmarkResult benchmark : result.getBenchmarkResults()) {
                for (IterationResult iteration : benchmark.getIterationResults()) {
                    best = Math.min(best, millis(iteration.getPrimaryResult().getScore(), unit));
                }
            }
            System.out.printf("%-60s %10.3f %10.1f %10.3f %10.1f%n", label, mean, flops / mean / 1e6, best,
                    flops / best / 1e6);
        }
    }
}
