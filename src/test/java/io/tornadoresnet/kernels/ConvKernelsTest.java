package io.tornadoresnet.kernels;

import static io.tornadoresnet.kernels.Support.assertClose;
import static io.tornadoresnet.kernels.Support.assertGradient;
import static io.tornadoresnet.kernels.Support.numericGradient;
import static io.tornadoresnet.kernels.Support.poisoned;
import static io.tornadoresnet.kernels.Support.toDouble;
import static io.tornadoresnet.kernels.Support.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ConvKernelsTest {

    /** A convolution's shape; {@code oh} and {@code ow} as PyTorch computes them. */
    record Shape(int n, int c, int h, int w, int k, int kh, int kw, int stride, int pad) {
        int oh() {
            return Reference.convOut(h, kh, stride, pad);
        }

        int ow() {
            return Reference.convOut(w, kw, stride, pad);
        }

        int inSize() {
            return n * c * h * w;
        }

        int weightSize() {
            return k * c * kh * kw;
        }

        int outSize() {
            return n * k * oh() * ow();
        }

        @Override
        public String toString() {
            return String.format("n%d c%d %dx%d -> k%d, %dx%d kernel, stride %d, pad %d", n, c, h, w, k, kh, kw, stride, pad);
        }
    }

    static Stream<Shape> shapes() {
        return Stream.of(
                new Shape(2, 3, 5, 5, 4, 1, 1, 1, 0),   // 1x1
                new Shape(2, 4, 7, 6, 6, 1, 1, 2, 0),   // 1x1 stride 2 (projection shortcut), odd height
                new Shape(2, 3, 6, 5, 4, 3, 3, 1, 1),   // 3x3 stride 1
                new Shape(3, 2, 7, 7, 3, 3, 3, 2, 1),   // 3x3 stride 2, odd size, batch 3
                new Shape(2, 3, 8, 8, 2, 3, 3, 2, 1),   // 3x3 stride 2, even size
                new Shape(2, 3, 11, 9, 2, 7, 7, 2, 3),  // the ResNet stem: 7x7 stride 2 pad 3
                new Shape(1, 2, 5, 6, 3, 3, 2, 1, 0),   // non-square kernel, no padding
                new Shape(2, 2, 8, 7, 2, 3, 3, 3, 2),   // stride 3, pad 2
                new Shape(1, 1, 1, 1, 1, 3, 3, 1, 1));  // a single pixel: everything but the centre tap is padding
    }

    private static float[] forward(Shape s, float[] in, float[] weight) {
        float[] out = poisoned(s.outSize());
        ConvKernels.forward(in, weight, out, s.n(), s.c(), s.h(), s.w(), s.k(), s.kh(), s.kw(), s.stride(), s.pad(),
                s.oh(), s.ow());
        return out;
    }

    private static float[] weightGradient(Shape s, float[] in, float[] gradOut, int groups) {
        float[] partial = poisoned(groups * s.weightSize());
        ConvKernels.backwardWeightsPartial(in, gradOut, partial, s.n(), s.c(), s.h(), s.w(), s.k(), s.kh(), s.kw(),
                s.stride(), s.pad(), s.oh(), s.ow(), groups);
        float[] grad = poisoned(s.weightSize());
        ReduceKernels.sumGroups(partial, grad, groups, s.weightSize());
        return grad;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void forwardMatchesZeroPaddedReference(Shape s) {
        Random random = new Random(1);
        float[] in = uniform(random, s.inSize());
        float[] weight = uniform(random, s.weightSize());
        double[] expected = Reference.conv(toDouble(in), toDouble(weight), s.n(), s.c(), s.h(), s.w(), s.k(),
                s.kh(), s.kw(), s.stride(), s.pad());
        assertClose(expected, forward(s, in, weight), Support.FORWARD_TOL, "out");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void backwardDataMatchesFiniteDifferences(Shape s) {
        Random random = new Random(2);
        float[] in = uniform(random, s.inSize());
        float[] weight = uniform(random, s.weightSize());
        float[] r = uniform(random, s.outSize());
        double[] weightD = toDouble(weight);
        double[] numeric = numericGradient(
                x -> Reference.conv(x, weightD, s.n(), s.c(), s.h(), s.w(), s.k(), s.kh(), s.kw(), s.stride(), s.pad()),
                toDouble(in), toDouble(r));

        float[] gradIn = poisoned(s.inSize());
        ConvKernels.backwardData(r, weight, gradIn, s.n(), s.c(), s.h(), s.w(), s.k(), s.kh(), s.kw(), s.stride(),
                s.pad(), s.oh(), s.ow());
        assertGradient(numeric, gradIn, "gradIn");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void backwardWeightsMatchesFiniteDifferencesForEveryGrouping(Shape s) {
        Random random = new Random(3);
        float[] in = uniform(random, s.inSize());
        float[] weight = uniform(random, s.weightSize());
        float[] r = uniform(random, s.outSize());
        double[] inD = toDouble(in);
        double[] numeric = numericGradient(
                wt -> Reference.conv(inD, wt, s.n(), s.c(), s.h(), s.w(), s.k(), s.kh(), s.kw(), s.stride(), s.pad()),
                toDouble(weight), toDouble(r));

        for (int groups : new int[] {1, 2, s.n()}) {
            if (groups <= s.n()) {
                assertGradient(numeric, weightGradient(s, in, r, groups), "gradWeight, groups " + groups);
            }
        }
    }

    /** Each partial row holds exactly its own images: group g sums the images b with b % groups == g. */
    @Test
    void partialRowsHoldTheirOwnImages() {
        Shape s = new Shape(5, 2, 6, 6, 3, 3, 3, 2, 1);
        Random random = new Random(4);
        float[] in = uniform(random, s.inSize());
        float[] weight = uniform(random, s.weightSize());
        float[] r = uniform(random, s.outSize());
        double[] inD = toDouble(in);
        int imageOut = s.k() * s.oh() * s.ow();
        for (int groups = 1; groups <= s.n(); groups++) {
            float[] partial = poisoned(groups * s.weightSize());
            ConvKernels.backwardWeightsPartial(in, r, partial, s.n(), s.c(), s.h(), s.w(), s.k(), s.kh(), s.kw(),
                    s.stride(), s.pad(), s.oh(), s.ow(), groups);
            for (int g = 0; g < groups; g++) {
                // L_g = sum(out * R) over the images of group g only.
                double[] masked = toDouble(r);
                for (int b = 0; b < s.n(); b++) {
                    if (b % groups != g) {
                        java.util.Arrays.fill(masked, b * imageOut, (b + 1) * imageOut, 0.0);
                    }
                }
                double[] numeric = numericGradient(
                        wt -> Reference.conv(inD, wt, s.n(), s.c(), s.h(), s.w(), s.k(), s.kh(), s.kw(), s.stride(), s.pad()),
                        toDouble(weight), masked);
                float[] row = java.util.Arrays.copyOfRange(partial, g * s.weightSize(), (g + 1) * s.weightSize());
                assertGradient(numeric, row, "partial row " + g + " of " + groups);
            }
        }
    }

    /** A hand-checked case: a 3x3 all-ones kernel over a 3x3 image with pad 1 sums each pixel's neighbourhood. */
    @Test
    void boxFilterByHand() {
        float[] in = {1, 2, 3, 4, 5, 6, 7, 8, 9};
        float[] weight = {1, 1, 1, 1, 1, 1, 1, 1, 1};
        float[] out = poisoned(9);
        ConvKernels.forward(in, weight, out, 1, 1, 3, 3, 1, 3, 3, 1, 1, 3, 3);
        Support.assertExactly(new float[] {12, 21, 16, 27, 45, 33, 24, 39, 28}, out, "out");
        // stride 2 keeps the corners
        float[] strided = poisoned(4);
        ConvKernels.forward(in, weight, strided, 1, 1, 3, 3, 1, 3, 3, 2, 1, 2, 2);
        Support.assertExactly(new float[] {12, 16, 24, 28}, strided, "strided");
        assertEquals(2, Reference.convOut(3, 3, 2, 1));
    }
}
