package io.tornadoresnet.nn;

import io.tornadoresnet.backend.jvm.JvmBackend;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.Mode;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finite-difference checks of whole networks: the loss's gradient with respect to sampled
 * parameters of every layer and to the input, from one backward pass, against central
 * differences of the loss. Batch norm runs in training mode, so the gradient goes through the
 * batch statistics. A learning rate of zero keeps the weights still while the plan runs.
 */
class ResNetGradientCheckTest {
    private static final int BATCH = 3;

    @Test
    void resnet8OptionA() {
        check(ResNets.create("resnet8", Shape.of(2, 8, 8), 5, Shortcut.A));
    }

    @Test
    void resnet8OptionB() {
        check(ResNets.create("resnet8", Shape.of(2, 8, 8), 5, Shortcut.B));
    }

    @Test
    void plain8() {
        check(ResNets.create("plain8", Shape.of(1, 8, 8), 3));
    }

    @Test
    void bottleneckNetWithStemPoolAndProjections() {
        Sequence stem = new Sequence(List.of(new Conv2d("conv1", 2, 8, 7, 2, 3), new BatchNorm2d("bn1", 8),
                new Relu("relu"), new MaxPool2d("maxpool", 3, 2, 1)));
        Sequence layer1 = new Sequence(List.of(ResidualBlock.bottleneck("layer1.0", 8, 4, 1, Shortcut.B),
                ResidualBlock.bottleneck("layer1.1", 16, 4, 1, Shortcut.B)));
        Sequence layer2 = new Sequence(List.of(ResidualBlock.bottleneck("layer2.0", 16, 8, 2, Shortcut.B)));
        check(new ResNet("bottleneck-test", Shape.of(2, 16, 16), 4, Shortcut.B, stem,
                List.of(layer1, layer2), new Linear("fc", 32, 4)));
    }

    private static void check(ResNet model) {
        model.initialize(7);
        Random random = new Random(11);
        // give batch norm non-trivial affine parameters so that their gradients are exercised
        for (Parameter p : model.parameters()) {
            if (p.value().shape().rank() == 1 && !p.name().startsWith("fc.")) {
                float[] v = p.value().data();
                for (int i = 0; i < v.length; i++) {
                    v[i] += (float) (0.3 * random.nextGaussian());
                }
            }
        }
        try (Backend backend = new JvmBackend();
             Backend.Executable step = backend.compile(model.compile(Mode.TRAIN, BATCH, new Sgd(0.9f, 0f, false), true))) {
            Plan plan = step.plan();
            float[] x = plan.input().data();
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) random.nextGaussian();
            }
            for (int b = 0; b < BATCH; b++) {
                plan.labels()[b] = random.nextInt(model.classes());
            }
            plan.learningRate().data()[0] = 0f;
            step.run();
            int checked = 0;
            for (Parameter p : model.parameters()) {
                checkSamples(step, p.value(), p.grad().data().clone(), random, 3);
                checked++;
            }
            checkSamples(step, plan.input(), plan.inputGradient().data().clone(), random, 6);
            assertEquals(model.parameters().size(), checked);
        }
    }

    private static void checkSamples(Backend.Executable step, Tensor t, float[] analytic, Random random, int samples) {
        float[] v = t.data();
        float scale = 0;
        for (float g : analytic) {
            scale = Math.max(scale, Math.abs(g));
        }
        for (int s = 0; s < samples; s++) {
            int i = random.nextInt(v.length);
            float saved = v[i];
            double h = 1e-2 * Math.max(1, Math.abs(saved));
            v[i] = (float) (saved + h);
            double up = loss(step);
            v[i] = (float) (saved - h);
            double down = loss(step);
            v[i] = saved;
            double numeric = (up - down) / (2 * h);
            double error = Math.abs(numeric - analytic[i]);
            assertTrue(error <= 2e-2 * Math.abs(numeric) + 2e-3 * scale + 1e-5,
                    t.name() + "[" + i + "]: backward " + analytic[i] + ", finite difference " + numeric);
        }
    }

    private static double loss(Backend.Executable step) {
        step.run();
        return step.plan().loss();
    }
}
