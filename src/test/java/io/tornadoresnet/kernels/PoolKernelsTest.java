package io.tornadoresnet.kernels;

import static io.tornadoresnet.kernels.Support.assertClose;
import static io.tornadoresnet.kernels.Support.assertExactly;
import static io.tornadoresnet.kernels.Support.assertGradient;
import static io.tornadoresnet.kernels.Support.numericGradient;
import static io.tornadoresnet.kernels.Support.poisoned;
import static io.tornadoresnet.kernels.Support.toDouble;
import static io.tornadoresnet.kernels.Support.uniform;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PoolKernelsTest {

    @ParameterizedTest(name = "n={0} c={1} {2}x{3}, {4}x{4} stride {5} pad {6}")
    @CsvSource({
        "2, 3, 7, 7, 3, 2, 1",   // the ResNet stem's pool on an odd size
        "1, 2, 8, 8, 3, 2, 1",   // even size
        "2, 2, 6, 6, 2, 2, 0",   // disjoint 2x2 windows
        "1, 1, 5, 6, 3, 1, 1",   // stride 1: heavily overlapping windows
    })
    void maxForwardAndBackwardAgainstReference(int n, int c, int h, int w, int size, int stride, int pad) {
        Random random = new Random(20 + h);
        // Distinct values 0.01 apart: no ties, so the gradient is defined and finite differences see no kink.
        float[] in = Support.distinct(random, n * c * h * w, 0.01f);
        int oh = Reference.convOut(h, size, stride, pad);
        int ow = Reference.convOut(w, size, stride, pad);
        float[] out = poisoned(n * c * oh * ow);
        int[] argmax = new int[out.length];
        PoolKernels.maxForward(in, out, argmax, n, c, h, w, oh, ow, size, stride, pad);
        assertClose(Reference.maxPool(toDouble(in), n, c, h, w, size, stride, pad), out, 0, "out");
        for (int o = 0; o < out.length; o++) {
            int plane = o / (oh * ow);
            assertTrue(out[o] == in[plane * h * w + argmax[o]], "argmax points at the maximum, output " + o);
        }

        float[] r = uniform(random, out.length);
        float[] gradIn = poisoned(in.length);
        PoolKernels.maxBackward(r, argmax, gradIn, n, c, h, w, oh, ow, size, stride, pad);
        assertGradient(numericGradient(x -> Reference.maxPool(x, n, c, h, w, size, stride, pad), toDouble(in), toDouble(r)),
                gradIn, "gradIn");
    }

    /**
     * 3x3 stride 2 pad 1 on a 4x4 image of negative values (a pool that padded with zeros would
     * answer 0). Windows, clipped to the image: rows/cols {0,1} and {1,2,3}.
     */
    @Test
    void maxWithTiesAndPaddingByHand() {
        float[] in = {
            -5, -1, -1, -7,
            -1, -2, -3, -1,
            -4, -4, -4, -4,
            -9, -4, -6, -2,
        };
        float[] out = poisoned(4);
        int[] argmax = new int[4];
        PoolKernels.maxForward(in, out, argmax, 1, 1, 4, 4, 2, 2, 3, 2, 1);
        assertExactly(new float[] {-1, -1, -1, -1}, out, "out");
        // (0,0): -1 at (0,1) and (1,0): the first in row-major order wins -> 1.
        // (0,1): -1 at (0,1), (0,2) and (1,3) -> 1.   (1,0): -1 at (1,0) -> 4.   (1,1): -1 at (1,3) -> 7.
        assertArrayEquals(new int[] {1, 1, 4, 7}, argmax, "argmax");

        float[] gradIn = poisoned(16);
        PoolKernels.maxBackward(new float[] {1, 2, 3, 4}, argmax, gradIn, 1, 1, 4, 4, 2, 2, 3, 2, 1);
        float[] expected = new float[16];
        expected[1] = 1 + 2; // the maximum of two windows gathers both gradients
        expected[4] = 3;
        expected[7] = 4;
        assertExactly(expected, gradIn, "gradIn");
    }

    @Test
    void maxOfAllEqualWindowsIsTheirFirstPixelInsideTheImage() {
        float[] in = new float[16];
        float[] out = poisoned(4);
        int[] argmax = new int[4];
        PoolKernels.maxForward(in, out, argmax, 1, 1, 4, 4, 2, 2, 3, 2, 1);
        assertArrayEquals(new int[] {0, 1, 4, 5}, argmax, "argmax");
    }

    @Test
    void maxPropagatesNaN() {
        float[] in = {1, Float.NaN, 3, 4};
        float[] out = poisoned(1);
        int[] argmax = new int[1];
        PoolKernels.maxForward(in, out, argmax, 1, 1, 2, 2, 1, 1, 2, 2, 0);
        assertTrue(Float.isNaN(out[0]), "NaN wins, as in PyTorch");
    }

    @Test
    void globalAverageForwardAndBackward() {
        int n = 3;
        int c = 4;
        int hw = 7;
        Random random = new Random(21);
        float[] in = uniform(random, n * c * hw);
        float[] out = poisoned(n * c);
        PoolKernels.avgForward(in, out, n, c, hw);
        assertClose(Reference.avgPool(toDouble(in), n, c, hw), out, Support.FORWARD_TOL, "out");

        float[] r = uniform(random, n * c);
        float[] gradIn = poisoned(in.length);
        PoolKernels.avgBackward(r, gradIn, n, c, hw);
        assertGradient(numericGradient(x -> Reference.avgPool(x, n, c, hw), toDouble(in), toDouble(r)), gradIn, "gradIn");
    }
}
