package io.tornadoresnet.nn;

import io.tornadoresnet.backend.jvm.JvmBackend;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.Mode;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Finite-difference checks of whole networks: the loss's gradient with respect to sampled
 * parameters of every layer and to the input, from one backward pass, against central
 * differences of the loss. Batch norm runs in training mode, so the gradient goes through the
 * batch statistics. A learning rate of zero keeps the weights still while the plan runs.
 *
 * <p>The loss of a ReLU network is only piecewise smooth: a step that moves a few activations
 * across zero bends a finite difference away from the true slope, and near the input such
 * crossings are common. Each kernel is checked exactly elsewhere (in double precision); here,
 * where the question is whether the plan wires the kernels right, every tensor must agree on at
 * least two of its three samples and nine in ten samples of the whole net must agree: a tensor
 * wired to the wrong buffer fails on all of its samples.
 */
class ResNetGradientCheckTest {
    private static final int BATCH = 3;
    private static final int SAMPLES = 3;

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
            List<String> failures = new ArrayList<>();
            int samples = 0;
            for (Parameter p : model.parameters()) {
                samples += SAMPLES;
                checkSamples(step, p.value(), p.grad().data().clone(), random, failures);
            }
            samples += SAMPLES;
            checkSamples(step, plan.input(), plan.inputGradient().data().clone(), random, failures);
            assertTrue(failures.size() * 10 <= samples, failures.size() + " of " + samples + " samples disagree: "
                    + failures);
        }
    }

    private static void checkSamples(Backend.Executable step, Tensor t, float[] analytic, Random random,
                                     List<String> failures) {
        float[] v = t.data();
        float scale = 0;
        for (float g : analytic) {
            scale = Math.max(scale, Math.abs(g));
        }
        int disagree = 0;
        for (int s = 0; s < SAMPLES; s++) {
            int i = random.nextInt(v.length);
            float saved = v[i];
            double h = 1e-3 * Math.max(1, Math.abs(saved));
            v[i] = (float) (saved + h);
            double up = loss(step);
            v[i] = (float) (saved - h);
            double down = loss(step);
            v[i] = saved;
            double numeric = (up - down) / (2 * h);
            double error = Math.abs(numeric - analytic[i]);
            if (error > 5e-2 * Math.abs(numeric) + 2e-3 * scale + 1e-4) {
                disagree++;
                failures.add(t.name() + "[" + i + "]: backward " + analytic[i] + ", finite difference " + numeric);
            }
        }
        assertTrue(disagree <= 1, t.name() + " disagrees with finite differences: " + failures);
    }

    private static double loss(Backend.Executable step) {
        step.run();
        return step.plan().loss();
    }
}
