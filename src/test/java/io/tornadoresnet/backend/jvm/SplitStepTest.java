package io.tornadoresnet.backend.jvm;

import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.nn.Sgd;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.KernelReferenceBackend;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A step run as computeGradients then applyGradients is the step that run() takes, bit for bit. */
class SplitStepTest {
    private static final Shape IMAGE = Shape.of(3, 8, 8);

    @Test
    void theJvmBackendsSplitStepIsItsWholeStep() {
        assertSplitEqualsWhole(() -> new JvmBackend(2));
    }

    @Test
    void thePlainKernelsSplitStepIsTheirWholeStep() {
        assertSplitEqualsWhole(KernelReferenceBackend::new);
    }

    private static void assertSplitEqualsWhole(Supplier<Backend> backends) {
        ResNet wholeModel = ResNets.create("resnet8", IMAGE, 10);
        ResNet splitModel = ResNets.create("resnet8", IMAGE, 10);
        wholeModel.initialize(4);
        splitModel.initialize(4);
        Plan whole = wholeModel.compileTraining(6, Sgd.PAPER);
        Plan split = splitModel.compileTraining(6, Sgd.PAPER).exchangingGradients();
        assertEquals(wholeModel.parameters().size(), split.gradients().size());
        Random random = new Random(9);
        float[] initial = whole.modelState().get(0).data().clone();
        try (Backend a = backends.get(); Backend b = backends.get();
             Backend.Executable wholeStep = a.compile(whole); Backend.Executable splitStep = b.compile(split)) {
            for (int step = 0; step < 3; step++) {
                for (int i = 0; i < whole.input().size(); i++) {
                    float v = (float) random.nextGaussian();
                    whole.input().data()[i] = v;
                    split.input().data()[i] = v;
                }
                for (int i = 0; i < 6; i++) {
                    whole.labels()[i] = random.nextInt(10);
                    split.labels()[i] = whole.labels()[i];
                }
                whole.learningRate().data()[0] = 0.05f;
                split.learningRate().data()[0] = 0.05f;
                float[] weightBefore = split.modelState().get(0).data().clone();
                wholeStep.run();
                splitStep.computeGradients();
                assertArrayEquals(weightBefore, split.modelState().get(0).data(), "no update before applyGradients");
                assertEquals(whole.loss(), split.loss());
                assertSame(whole.gradients(), split.gradients());
                splitStep.applyGradients();
                assertSame(whole.modelState(), split.modelState());
            }
            assertFalse(java.util.Arrays.equals(initial, whole.modelState().get(0).data()), "the steps trained");
        }
    }

    private static void assertSame(List<Tensor> expected, List<Tensor> actual) {
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i).data(), actual.get(i).data(), expected.get(i).name());
        }
    }

    @Test
    void onlyAPlanThatExchangesItsGradientsRunsInHalves() {
        ResNet model = ResNets.create("resnet8", IMAGE, 10);
        model.initialize(1);
        try (Backend backend = new JvmBackend(1);
             Backend.Executable step = backend.compile(model.compileTraining(2, Sgd.PAPER))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, step::computeGradients);
            assertTrue(e.getMessage().contains("exchangingGradients"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> model.compileInference(2).exchangingGradients());
    }
}
