package io.tornadoresnet.benchmarks;

import io.tornadoresnet.kernels.ConvKernels;
import io.tornadoresnet.kernels.ReduceKernels;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The plain {@code ConvKernels} run as Java loops on one thread, as the JVM backend ran them before
 * {@link io.tornadoresnet.backend.jvm.ConvRoutine}: the baseline for its speed-up.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
/* The JVM options of ConvBenchmark, whose routines it is compared with. */
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g", "-XX:+UseSerialGC",
        "-XX:ObjectAlignmentInBytes=64"})
public class ConvKernelBenchmark {

    @Param({"r20-stage1", "r20-stage2", "r20-stage3"})
    public String shape;

    private ConvShape s;
    private float[] in, weight, out, gradOut, gradIn, partial, gradWeight;

    @Setup(Level.Trial)
    public void setUp() {
        s = ConvShape.named(shape);
        in = ConvShape.random(s.inputSize(), 1);
        weight = ConvShape.random(s.weightSize(), 2);
        gradOut = ConvShape.random(s.outputSize(), 3);
        out = new float[s.outputSize()];
        gradIn = new float[s.inputSize()];
        partial = new float[s.weightSize()];
        gradWeight = new float[s.weightSize()];
    }

    @Benchmark
    public float[] forward() {
        ConvKernels.forward(in, weight, out, s.n(), s.c(), s.h(), s.w(), s.k(), s.kh(), s.kw(), s.stride(), s.pad(),
                s.oh(), s.ow());
        return out;
    }

    @Benchmark
    public float[] backwardData() {
        ConvKernels.backwardData(gradOut, weight, gradIn, s.n(), s.c(), s.h(), s.w(), s.k(), s.kh(), s.kw(),
                s.stride(), s.pad(), s.oh(), s.ow());
        return gradIn;
    }

    /** One group: the partial is the gradient, and sumGroups copies it, as on one thread. */
    @Benchmark
    public float[] backwardWeights() {
        ConvKernels.backwardWeightsPartial(in, gradOut, partial, s.n(), s.c(), s.h(), s.w(), s.k(), s.kh(), s.kw(),
                s.stride(), s.pad(), s.oh(), s.ow(), 1);
        ReduceKernels.sumGroups(partial, gradWeight, 1, s.weightSize());
        return gradWeight;
    }
}
