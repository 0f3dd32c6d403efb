package io.tornadoresnet.benchmarks;

import io.tornadoresnet.backend.jvm.Gemm;
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
 * {@link Gemm} on one thread. A shape is {@code form:MxNxK} with form {@code ab} (C = A B),
 * {@code atb} (C = A^T B) or {@code abt} (C = A B^T); the ResNet-20 ones are the products of one
 * image of an im2col convolution: forward, input gradient and weight gradient of each stage.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
/* The collector and object alignment the JVM backend runs with, as in ConvBenchmark. */
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseSerialGC",
        "-XX:ObjectAlignmentInBytes=64"})
public class GemmBenchmark {

    @Param({"ab:16x1024x144", "ab:32x256x288", "ab:64x64x576",
            "atb:144x1024x16", "atb:288x256x32", "atb:576x64x64",
            "abt:144x16x1024", "abt:288x32x256", "abt:576x64x64",
            "ab:256x256x256", "ab:512x512x512"})
    public String shape;

    private Gemm gemm;
    private String form;
    private int m, n, k;
    private float[] a, b, c;

    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = shape.split(":");
        form = parts[0];
        String[] dims = parts[1].split("x");
        m = Integer.parseInt(dims[0]);
        n = Integer.parseInt(dims[1]);
        k = Integer.parseInt(dims[2]);
        gemm = Gemm.create();
        a = ConvShape.random(m * k, 1);
        b = ConvShape.random(k * n, 2);
        c = new float[m * n];
    }

    /** Floating-point operations of one product of the given shape. */
    static double flops(String shape) {
        String[] dims = shape.split(":")[1].split("x");
        return 2.0 * Integer.parseInt(dims[0]) * Integer.parseInt(dims[1]) * Integer.parseInt(dims[2]);
    }

    @Benchmark
    public float[] multiply() {
        switch (form) {
            case "ab" -> gemm.multiply(m, n, k, a, 0, k, b, 0, n, c, 0, n, false);
            case "atb" -> gemm.multiplyTransposedA(m, n, k, a, 0, m, b, 0, n, c, 0, n, false);
            case "abt" -> gemm.multiplyTransposedB(m, n, k, a, 0, k, b, 0, k, c, 0, n, false);
            default -> throw new IllegalArgumentException("unknown form " + form);
        }
        return c;
    }
}
