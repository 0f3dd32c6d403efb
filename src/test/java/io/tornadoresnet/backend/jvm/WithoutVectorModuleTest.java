package io.tornadoresnet.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tornadoresnet.testing.Close;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A plain {@code java -cp} without {@code --add-modules jdk.incubator.vector}: the routines must take
 * the scalar path, give the kernels' results, and never load a Vector API class.
 */
class WithoutVectorModuleTest {

    @Test
    void scalarPathRunsAndLoadsNoVectorClass() throws IOException, InterruptedException, URISyntaxException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = location(ConvRoutine.class) + File.pathSeparator + location(WithoutVectorModuleTest.class);
        Process process = new ProcessBuilder(java, "-Xlog:class+load=info", "-cp", classPath,
                WithoutVectorModuleTest.class.getName())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("scalar path ok"), output);
        assertFalse(output.contains("jdk.incubator.vector"), "a Vector API class was loaded");
        assertFalse(output.contains("VectorGemm"), "VectorGemm was loaded");
    }

    private static String location(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    /** Run in the child JVM: every routine path on small shapes, against the kernels. */
    public static void main(String[] args) {
        if (Gemm.vectorized() || !(Gemm.create() instanceof ScalarGemm)) {
            throw new AssertionError("expected the scalar path without jdk.incubator.vector");
        }
        int[][] shapes = {{3, 5, 7, 7, 6, 1, 1, 1, 0}, {3, 4, 9, 9, 8, 3, 3, 1, 1}, {3, 4, 9, 9, 8, 3, 3, 2, 1}};
        for (int[] s : shapes) {
            ConvRoutineTest.Conv conv = new ConvRoutineTest.Conv(s);
            Random random = new Random(1);
            float[] in = ConvRoutineTest.uniform(random, conv.n * conv.c * conv.h * conv.w);
            float[] weight = ConvRoutineTest.uniform(random, conv.k * conv.depth());
            float[] gradOut = ConvRoutineTest.uniform(random, conv.n * conv.k * conv.oh * conv.ow);
            try (WorkerPool pool = new WorkerPool(2)) {
                ConvRoutine routine = conv.routine(2);
                float[] out = new float[gradOut.length];
                float[] gradIn = new float[in.length];
                float[] gradWeight = new float[weight.length];
                routine.forward(in, weight, out, pool);
                routine.backwardData(gradOut, weight, gradIn, pool);
                routine.backwardWeights(in, gradOut, gradWeight, pool);
                check(conv.forwardKernel(in, weight), out, conv.depth());
                check(conv.backwardDataKernel(gradOut, weight), gradIn, conv.k * conv.kh * conv.kw);
                check(conv.backwardWeightsKernel(in, gradOut), gradWeight, conv.n * conv.oh * conv.ow);
                ConvRoutineTest.Conv.Norm norm = ConvRoutineTest.Conv.Norm.random(random, conv.k);
                ConvEpilogue epilogue = norm.epilogue(gradOut, true);
                epilogue.prepare();
                routine.forward(in, weight, epilogue, out, pool);
                check(conv.epilogueKernels(conv.forwardKernel(in, weight), norm, gradOut, true), out, conv.depth() * 4);
            }
        }
        System.out.println("scalar path ok");
    }

    /** As {@link ConvRoutineTest#assertClose}; {@link Close} needs no JUnit, which the child JVM does not have. */
    private static void check(float[] expected, float[] actual, int terms) {
        Close.assertClose("scalar path", expected, actual, e -> 1e-6 * terms);
    }
}
