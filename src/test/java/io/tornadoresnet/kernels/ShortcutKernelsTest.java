package io.tornadoresnet.kernels;

import static io.tornadoresnet.kernels.Support.assertClose;
import static io.tornadoresnet.kernels.Support.assertExactly;
import static io.tornadoresnet.kernels.Support.assertGradient;
import static io.tornadoresnet.kernels.Support.numericGradient;
import static io.tornadoresnet.kernels.Support.poisoned;
import static io.tornadoresnet.kernels.Support.toDouble;
import static io.tornadoresnet.kernels.Support.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ShortcutKernelsTest {

    /** c = 16 -> k = 32, stride 2, as between the paper's CIFAR stages; padLow = (k - c) / 2 = 8. */
    @ParameterizedTest(name = "{0}x{0}")
    @ValueSource(ints = {8, 7})
    void optionABothWays(int size) {
        int n = 2;
        int c = 16;
        int k = 32;
        int stride = 2;
        int padLow = (k - c) / 2;
        int oh = (size + stride - 1) / stride; // x[:, :, ::2, ::2]
        Random random = new Random(30 + size);
        float[] in = uniform(random, n * c * size * size);
        float[] out = poisoned(n * k * oh * oh);
        ShortcutKernels.forward(in, out, n, c, size, size, k, oh, oh, stride, padLow);
        assertClose(Reference.shortcut(toDouble(in), n, c, size, size, k, stride, padLow), out, 0, "out");
        // spot checks: channel 8 of the output is channel 0 of the input, subsampled; channel 7 is zero
        assertEquals(in[2 * size + 2], out[(8 * oh + 1) * oh + 1], "out[0][8][1][1] = in[0][0][2][2]");
        assertEquals(0f, out[(7 * oh + 1) * oh + 1], "out[0][7][1][1]");

        float[] r = uniform(random, out.length);
        float[] gradIn = poisoned(in.length);
        ShortcutKernels.backward(r, gradIn, n, c, size, size, k, oh, oh, stride, padLow);
        assertGradient(numericGradient(x -> Reference.shortcut(x, n, c, size, size, k, stride, padLow), toDouble(in),
                toDouble(r)), gradIn, "gradIn");
        assertEquals(r[((1 * k + 8 + 3) * oh + 2) * oh + 1], gradIn[((1 * c + 3) * size + 4) * size + 2],
                "gradIn[1][3][4][2] = gradOut[1][11][2][1]");
        assertEquals(0f, gradIn[((1 * c + 3) * size + 3) * size + 2], "an odd row is dropped by the subsampling");
    }

    @Test
    void sameShapeIsTheIdentity() {
        Random random = new Random(31);
        float[] in = uniform(random, 2 * 4 * 5 * 5);
        float[] out = poisoned(in.length);
        ShortcutKernels.forward(in, out, 2, 4, 5, 5, 4, 5, 5, 1, 0);
        assertExactly(in, out, "out");
        float[] back = poisoned(in.length);
        ShortcutKernels.backward(out, back, 2, 4, 5, 5, 4, 5, 5, 1, 0);
        assertExactly(in, back, "gradIn");
    }
}
