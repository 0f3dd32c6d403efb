package io.tornadoresnet.benchmarks;

import io.tornadoresnet.backend.jvm.ConvRoutine;
import io.tornadoresnet.backend.jvm.WorkerPool;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/** {@link ConvRoutine}'s three passes on a {@link WorkerPool} of {@code threads} workers. */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 10, time = 1)
/*
 * The collector and object alignment of scripts/jvm-options, which the JVM backend runs with: C2 shapes loops
 * differently under G1 (loop strip mining): before commit 8d95e93, the forward pass of a 64-channel 7x7
 * convolution ran 1.15x as fast under G1 as under the serial collector.
 */
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g", "-XX:+UseSerialGC",
        "-XX:ObjectAlignmentInBytes=64"})
public class ConvBenchmark {

    @Param({"r20-stage1", "r20-stage2", "r20-stage3", "r20-down2", "r20-down3", "r20-stem", "r20-28-stage1",
            "r20-28-stage2", "r20-28-stage3",
            "r50-stem", "r50-1x1", "r50-3x3", "r50-3x3s2"})
    public String shape;

    @Param({"2"})
    public int threads;

    private WorkerPool pool;
    private ConvRoutine routine;
    private float[] in, weight, out, gradOut, gradIn, gradWeight;

    @Setup(Level.Trial)
    public void setUp() {
        ConvShape s = ConvShape.named(shape);
        pool = new WorkerPool(threads);
        routine = new ConvRoutine(s.n(), s.c(), s.h(), s.w(), s.k(), s.kh(), s.kw(), s.stride(), s.pad(),
                s.oh(), s.ow(), threads);
        in = ConvShape.random(s.inputSize(), 1);
        weight = ConvShape.random(s.weightSize(), 2);
        gradOut = ConvShape.random(s.outputSize(), 3);
        out = new float[s.outputSize()];
        gradIn = new float[s.inputSize()];
        gradWeight = new float[s.weightSize()];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    @Benchmark
    public float[] forward() {
        routine.forward(in, weight, out, pool);
        return out;
    }

    @Benchmark
    public float[] backwardData() {
        routine.backwardData(gradOut, weight, gradIn, pool);
        return gradIn;
    }

    @Benchmark
    public float[] backwardWeights() {
        routine.backwardWeights(in, gradOut, gradWeight, pool);
        return gradWeight;
    }
}
