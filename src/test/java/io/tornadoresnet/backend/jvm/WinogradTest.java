package io.tornadoresnet.backend.jvm;

import static io.tornadoresnet.backend.jvm.ConvRoutineTest.assertClose;
import static io.tornadoresnet.backend.jvm.ConvRoutineTest.poisoned;
import static io.tornadoresnet.backend.jvm.ConvRoutineTest.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Winograd} on its own, on shapes beyond those {@link Winograd#takes} routes to it: odd sizes (tiles
 * past the image's edge), tile rows narrower and wider than a vector, whole images grouped in one item, and
 * images cut into bands, against the plain kernels.
 */
class WinogradTest {

    /** n, in, h, w, out, and the budget in floats, which sets bands or images per item. */
    private static final int[][] SHAPES = {
            {2, 16, 32, 32, 16, 128 * 1024}, // one image per item, tile rows of one vector (AVX-512)
            {6, 16, 8, 8, 16, 128 * 1024},   // 3 images per item with one worker; tile rows of a quarter vector
            {2, 8, 7, 9, 16, 128 * 1024},    // odd sizes: the last tile row and column half outside
            {1, 16, 13, 40, 8, 4 * 1024},    // bands of tile rows; tile rows of 20, over a vector
            {3, 24, 14, 14, 24, 1024},       // a budget below two vectors of tiles: still two
            {2, 64, 14, 15, 72, 128 * 1024}, // shapes ConvRoutine routes here
    };

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (int[] s : SHAPES) {
            for (int workers : new int[] {1, 2}) {
                out.add(Arguments.of(workers, s));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "workers={0} shape={1}")
    @MethodSource("cases")
    void forwardAndInputGradientMatchTheKernels(int workers, int[] s) {
        assumeTrue(VectorApi.available(), "the Vector API is missing");
        int n = s[0], in = s[1], h = s[2], w = s[3], out = s[4], budget = s[5];
        ConvRoutineTest.Conv conv = new ConvRoutineTest.Conv(new int[] {n, in, h, w, out, 3, 3, 1, 1});
        Random random = new Random(Arrays.hashCode(s));
        float[] x = uniform(random, n * in * h * w);
        float[] weight = uniform(random, out * in * 9);
        float[] gradOut = uniform(random, n * out * h * w);
        float[] expectedOut = conv.forwardKernel(x, weight);
        float[] expectedGradIn = conv.backwardDataKernel(gradOut, weight);

        Winograd forward = new Winograd(n, in, out, h, w, workers, budget);
        Winograd data = new Winograd(n, out, in, h, w, workers, budget);
        float[] actualOut = poisoned(expectedOut.length);
        float[] actualGradIn = poisoned(expectedGradIn.length);
        try (WorkerPool pool = new WorkerPool(workers)) {
            Gemm[] gemms = new Gemm[workers];
            Arrays.setAll(gemms, t -> Gemm.create());
            // Twice: the second pass must overwrite what the first left, and reuse the workspaces.
            for (int pass = 0; pass < 2; pass++) {
                pool.parallelFor(out, (from, to, worker) -> forward.transformKernel(weight, false, from, to));
                pool.parallelForBalanced(forward.items(), (from, to, worker) -> {
                    for (int item = from; item < to; item++) {
                        forward.run(item, x, actualOut, gemms[worker], worker, null);
                    }
                });
                pool.parallelFor(in, (from, to, worker) -> data.transformKernel(weight, true, from, to));
                pool.parallelForBalanced(data.items(), (from, to, worker) -> {
                    for (int item = from; item < to; item++) {
                        data.run(item, gradOut, actualGradIn, gemms[worker], worker, null);
                    }
                });
            }
        }
        assertClose(expectedOut, actualOut, in * 9, "forward");
        assertClose(expectedGradIn, actualGradIn, out * 9, "input gradient");
    }

    /** The epilogue sees each (image's band, channel) once, all of the band's output rows, numbered below tiles(). */
    @Test
    void epilogueSegmentsCoverEachChannelOfEachBandOnce() {
        assumeTrue(VectorApi.available(), "the Vector API is missing");
        int n = 3, in = 8, h = 13, w = 22, out = 8;
        Winograd winograd = new Winograd(n, in, out, h, w, 1, 2 * 1024);
        assertTrue(winograd.tiles() > n, "the budget should cut images into bands");
        float[] x = uniform(new Random(3), n * in * h * w);
        float[] weight = uniform(new Random(4), out * in * 9);
        int[] seen = new int[n * out * h * w];
        boolean[][] segments = new boolean[winograd.tiles()][out];
        TileEpilogue epilogue = (y, from, to, channel, tile) -> {
            assertFalse(segments[tile][channel], "segment " + tile + " of channel " + channel + " twice");
            segments[tile][channel] = true;
            int plane = h * w;
            int image = from / (out * plane);
            assertEquals(channel, from / plane % out, "channel of the segment");
            assertEquals(image, (to - 1) / (out * plane), "a segment stays in one image");
            for (int i = from; i < to; i++) {
                seen[i]++;
            }
        };
        float[] y = new float[n * out * h * w];
        Gemm gemm = Gemm.create();
        winograd.transformKernel(weight, false, 0, out);
        for (int item = 0; item < winograd.items(); item++) {
            winograd.run(item, x, y, gemm, 0, epilogue);
        }
        for (int i = 0; i < seen.length; i++) {
            assertEquals(1, seen[i], "output " + i + " seen by the epilogue");
        }
    }

    @Test
    void takesOnlyShapesWhereItPays() {
        assertEquals(VectorApi.masksCompiled(), Winograd.takes(64, 64, 56, 56, 3, 3, 1, 1), "only where masks compile");
        assertEquals(VectorApi.masksCompiled(), Winograd.takes(256, 256, 14, 14, 3, 3, 1, 1));
        assertFalse(Winograd.takes(16, 16, 32, 32, 3, 3, 1, 1), "ResNet-20's first stage");
        assertFalse(Winograd.takes(512, 512, 7, 7, 3, 3, 1, 1), "7x7 images");
        assertFalse(Winograd.takes(64, 64, 56, 56, 3, 3, 2, 1), "stride 2");
        assertFalse(Winograd.takes(64, 64, 56, 56, 1, 1, 1, 0), "1x1");
        assertFalse(Winograd.takes(64, 60, 56, 56, 3, 3, 1, 1), "output channels not in groups of 8");
    }
}
