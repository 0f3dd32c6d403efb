package io.tornadoresnet.benchmarks;

import java.util.Collection;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * Runs the benchmarks selected by the usual JMH command line and prints each result also as GFLOP/s
 * (and, for the plain kernels, nothing more: compare them with the routines by shape).
 */
public final class Report {

    private Report() {
    }

    public static void main(String[] args) throws RunnerException, CommandLineOptionException {
        Collection<RunResult> results = new Runner(new CommandLineOptions(args)).run();
        System.out.println();
        System.out.printf("%-56s %12s %10s%n", "benchmark", "ms/op", "GFLOP/s");
        for (RunResult result : results) {
            String name = result.getParams().getBenchmark();
            String label = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
            double flops;
            String shape;
            if (name.contains("Gemm")) {
                shape = result.getParams().getParam("shape");
                flops = GemmBenchmark.flops(shape);
            } else {
                shape = result.getParams().getParam("shape");
                String threads = result.getParams().getParam("threads");
                if (threads != null) {
                    shape += ", " + threads + " threads";
                }
                flops = ConvShape.named(result.getParams().getParam("shape")).flops();
            }
            double score = result.getPrimaryResult().getScore();
            double millis = switch (result.getPrimaryResult().getScoreUnit()) {
                case "us/op" -> score / 1e3;
                case "ms/op" -> score;
                case "s/op" -> score * 1e3;
                default -> Double.NaN;
            };
            System.out.printf("%-56s %12.3f %10.1f%n", label + " [" + shape + "]", millis, flops / millis / 1e6);
        }
    }
}
