package io.tornadoresnet.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.nn.Sgd;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.slf4j.LoggerFactory;

/**
 * {@code -Dtornadoresnet.masks=false}, the path that Java 17 takes ({@link VectorApi#masksCompiled}): the
 * loops without masked vector operations move and add the floats the masked ones do, and training steps
 * come out bit for bit as they do with masks.
 */
class WithoutMaskedVectorsTest {

    @Test
    void loopsWithoutMasksGiveTheBitsOfTheMaskedOnes() throws IOException, InterruptedException, URISyntaxException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = String.join(File.pathSeparator, location(ConvRoutine.class),
                location(WithoutMaskedVectorsTest.class), location(LoggerFactory.class), location(Assertions.class),
                location(AssertionFailedError.class));
        Process process = new ProcessBuilder(java, "--add-modules=jdk.incubator.vector", "-Dtornadoresnet.masks=false",
                "-cp", classPath, WithoutMaskedVectorsTest.class.getName())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), output);
        assertTrue(output.contains("steps " + trainingFingerprint() + "\n"),
                "the steps without masks differ from these, " + trainingFingerprint() + ": " + output);
    }

    private static String location(Class<?> type) throws URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    }

    /** Run in the child JVM: the loops' own checks, then the steps' fingerprint. */
    public static void main(String[] args) {
        if (!VectorApi.available() || VectorApi.masksCompiled()) {
            throw new AssertionError("expected the Vector API without masks");
        }
        VectorPointwiseTest loops = new VectorPointwiseTest();
        loops.copyAndDeinterleaveMoveEveryFloatOfEveryLengthAndNothingElse();
        loops.addAtEvenPlacesAddsEveryOtherFloatAndLeavesTheOthers();
        System.out.println("steps " + trainingFingerprint());
    }

    /**
     * The loss and the bits of every weight after three training steps of ResNet-8 on 1x28x28 images: rows
     * of 28, 14 and 7 floats and planes of 196 and 49 end in partial vectors, and the stride-2 convolutions
     * split their input rows into column phases.
     */
    private static String trainingFingerprint() {
        ResNet model = ResNets.create("resnet8", Shape.of(1, 28, 28), 10);
        model.initialize(3);
        Plan plan = model.compileTraining(4, Sgd.PAPER);
        Random random = new Random(11);
        int hash = 1;
        try (Backend backend = new JvmBackend(2); Backend.Executable step = backend.compile(plan)) {
            for (int s = 0; s < 3; s++) {
                for (int i = 0; i < plan.input().size(); i++) {
                    plan.input().data()[i] = (float) random.nextGaussian();
                }
                for (int i = 0; i < plan.labels().length; i++) {
                    plan.labels()[i] = random.nextInt(10);
                }
                plan.learningRate().data()[0] = 0.05f;
                step.run();
                hash = 31 * hash + Float.floatToIntBits(plan.loss());
            }
        }
        for (Tensor tensor : plan.modelState()) {
            for (float v : tensor.data()) {
                hash = 31 * hash + Float.floatToIntBits(v);
            }
        }
        return Integer.toHexString(hash);
    }
}
