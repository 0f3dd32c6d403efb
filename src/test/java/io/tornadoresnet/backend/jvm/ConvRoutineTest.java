package io.tornadoresnet.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tornadoresnet.kernels.ActivationKernels;
import io.tornadoresnet.kernels.BatchNormKernels;
import io.tornadoresnet.kernels.ConvKernels;
import io.tornadoresnet.kernels.ElementwiseKernels;
import io.tornadoresnet.nn.BatchNorm2d;
import io.tornadoresnet.kernels.ReduceKernels;
import io.tornadoresnet.testing.Close;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ConvRoutineTest {

    /** n, c, h, w, k, kh, kw, stride, pad. */
    private static final int[][] SHAPES = {
            {3, 5, 7, 7, 6, 1, 1, 1, 0},     // 1x1 stride 1: no im2col
            {2, 4, 8, 8, 8, 1, 1, 2, 0},     // 1x1 stride 2 (ResNet-50 downsample)
            {5, 3, 9, 11, 7, 3, 3, 1, 1},    // 3x3, odd non-square image, batch above the workers
            {3, 4, 9, 9, 8, 3, 3, 2, 1},     // 3x3 stride 2
            {2, 3, 20, 18, 8, 7, 7, 2, 3},   // 7x7 stride 2 pad 3 (the ImageNet stem)
            {1, 16, 8, 8, 16, 3, 3, 1, 1},   // batch 1
            {2, 16, 32, 32, 16, 3, 3, 1, 1}, // ResNet-20 stage 1: several bands and channel groups
            {2, 32, 16, 16, 32, 3, 3, 1, 1}, // ResNet-20 stage 2: rows of one vector (AVX-512) written in place
            {2, 16, 32, 32, 32, 3, 3, 2, 1}, // stride 2 down to 16x16: rows of the phases written in place
            {1, 8, 16, 16, 16, 3, 3, 1, 1},  // rows in place, bands of 5 and 6 rows leaving a vector over
            {2, 16, 28, 28, 16, 3, 3, 1, 1}, // Fashion-MNIST's stage 1: rows of 2 vectors that overlap (AVX-512)
            {2, 32, 14, 14, 32, 3, 3, 1, 1}, // rows of 7/8 of a vector: the grid, as one row of 14 vectors
            {2, 32, 7, 7, 32, 3, 3, 1, 1},   // the grid as one row of 4 vectors, 2 of channels (no shifted form)
            {1, 8, 8, 7, 16, 3, 3, 1, 1},    // bands whose grids run as one row or not, by the number of workers
            {2, 16, 28, 28, 32, 3, 3, 2, 1}, // stride 2 down to 14x14
            {1, 5, 16, 16, 6, 3, 3, 1, 1},   // channels not in groups of 8: the grid, rows of whole vectors or not
            {2, 64, 7, 7, 64, 3, 3, 1, 1},   // channels in 4 vectors (AVX-512): forward and input gradient shifted
            {3, 32, 8, 8, 64, 3, 3, 1, 1},   // 4 vectors out, 2 in
            {2, 32, 14, 14, 64, 3, 3, 2, 1}, // stride 2 down to 7x7, 4 vectors out: shifted over the phases
            {2, 64, 5, 6, 32, 3, 3, 1, 1},   // 2 vectors out, 4 in; rows not a multiple of the row groups
            {2, 64, 14, 15, 72, 3, 3, 1, 1}, // Winograd's F(2x2, 3x3) for the forward pass and input gradient
            {2, 2, 13, 13, 3, 5, 5, 3, 2},   // 5x5 stride 3
            {2, 3, 1, 1, 4, 3, 3, 1, 1},     // a single pixel: every tap but the centre reads padding
            {1, 2, 6, 5, 1, 3, 3, 1, 0},     // no padding, one output channel
            {2, 3, 5, 6, 4, 3, 3, 1, 2},     // padding 2: no junk columns on the padded grid
            {2, 3, 6, 7, 5, 3, 1, 1, 0},     // 3x1 kernel
            {2, 3, 4, 4, 2, 1, 1, 1, 1},     // 1x1 with padding: the im2col path at stride 1
    };

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (int[] s : SHAPES) {
            for (int workers : new int[] {1, 2, 3}) {
                out.add(Arguments.of(workers, s));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "workers={0} shape={1}")
    @MethodSource("cases")
    void matchesTheKernels(int workers, int[] s) {
        Conv conv = new Conv(s);
        Random random = new Random(Arrays.hashCode(s));
        float[] in = uniform(random, conv.n * conv.c * conv.h * conv.w);
        float[] weight = uniform(random, conv.k * conv.depth());
        float[] gradOut = uniform(random, conv.n * conv.k * conv.oh * conv.ow);

        float[] out = conv.forwardKernel(in, weight);
        float[] gradIn = conv.backwardDataKernel(gradOut, weight);
        float[] gradWeight = conv.backwardWeightsKernel(in, gradOut);

        try (WorkerPool pool = new WorkerPool(workers)) {
            ConvRoutine routine = conv.routine(workers);
            float[] actualOut = poisoned(out.length);
            float[] actualGradIn = poisoned(gradIn.length);
            float[] actualGradWeight = poisoned(gradWeight.length);
            // Twice: the second pass must overwrite, not add to, what the first left behind.
            for (int pass = 0; pass < 2; pass++) {
                routine.forward(in, weight, actualOut, pool);
                routine.backwardData(gradOut, weight, actualGradIn, pool);
                routine.backwardWeights(in, gradOut, actualGradWeight, pool);
            }
            assertClose(out, actualOut, conv.depth(), "forward");
            assertClose(gradIn, actualGradIn, conv.k * conv.kh * conv.kw, "backwardData");
            assertClose(gradWeight, actualGradWeight, conv.n * conv.oh * conv.ow, "backwardWeights");
        }
    }

    /**
     * Batch norm (running statistics), the residual add and ReLU, in every combination, as one pass: close to
     * the kernels one after another, and the very bits of the pass followed by the epilogue over each channel's
     * segments, also where it runs on the transposed tiles of the shifted products (64 output channels).
     */
    @ParameterizedTest(name = "workers={0} shape={1}")
    @MethodSource("cases")
    void forwardWithAnEpilogueMatchesTheKernelsOneAfterAnother(int workers, int[] s) {
        Conv conv = new Conv(s);
        Random random = new Random(Arrays.hashCode(s) + 1);
        float[] in = uniform(random, conv.n * conv.c * conv.h * conv.w);
        float[] weight = uniform(random, conv.k * conv.depth());
        int pixels = conv.oh * conv.ow;
        float[] residual = uniform(random, conv.n * conv.k * pixels);
        Conv.Norm norm = Conv.Norm.random(random, conv.k);
        float[] plain = conv.forwardKernel(in, weight);
        try (WorkerPool pool = new WorkerPool(workers)) {
            ConvRoutine routine = conv.routine(workers);
            float[] pass = new float[plain.length];
            routine.forward(in, weight, pass, pool);
            for (boolean add : new boolean[] {false, true}) {
                for (boolean relu : new boolean[] {false, true}) {
                    float[] expected = conv.epilogueKernels(plain, norm, add ? residual : null, relu);
                    ConvEpilogue epilogue = norm.epilogue(add ? residual : null, relu);
                    epilogue.prepare();
                    float[] actual = poisoned(expected.length);
                    routine.forward(in, weight, epilogue, actual, pool);
                    String what = "add " + add + ", relu " + relu;
                    assertClose(expected, actual, conv.depth() * 4, what);
                    float[] passThenEpilogue = pass.clone();
                    for (int at = 0; at < passThenEpilogue.length; at += pixels) {
                        epilogue.apply(passThenEpilogue, at, at + pixels, at / pixels % conv.k, 0);
                    }
                    assertArrayEquals(passThenEpilogue, actual, what);
                }
            }
        }
    }

    /** Batch norm's batch statistics gathered tile by tile as the output is written: the output stays as it was. */
    @ParameterizedTest(name = "workers={0} shape={1}")
    @MethodSource("cases")
    void forwardGathersTheMeanAndVarianceOfEachChannel(int workers, int[] s) {
        Conv conv = new Conv(s);
        Random random = new Random(Arrays.hashCode(s) + 2);
        float[] in = uniform(random, conv.n * conv.c * conv.h * conv.w);
        float[] weight = uniform(random, conv.k * conv.depth());
        int pixels = conv.oh * conv.ow;
        try (WorkerPool pool = new WorkerPool(workers)) {
            ConvRoutine routine = conv.routine(workers);
            float[] expected = new float[conv.n * conv.k * pixels];
            routine.forward(in, weight, expected, pool);
            ChannelMoments moments = new ChannelMoments(routine.forwardTiles(), conv.k);
            float[] actual = poisoned(expected.length);
            routine.forward(in, weight, moments, actual, pool);
            assertArrayEquals(expected, actual);
            float[] mean = new float[conv.k];
            float[] variance = new float[conv.k];
            moments.finish(mean, variance);
            for (int ch = 0; ch < conv.k; ch++) {
                double sum = 0;
                for (int b = 0; b < conv.n; b++) {
                    for (int p = 0; p < pixels; p++) {
                        sum += expected[(b * conv.k + ch) * pixels + p];
                    }
                }
                double mu = sum / (conv.n * pixels);
                double squares = 0;
                for (int b = 0; b < conv.n; b++) {
                    for (int p = 0; p < pixels; p++) {
                        double d = expected[(b * conv.k + ch) * pixels + p] - mu;
                        squares += d * d;
                    }
                }
                double var = squares / (conv.n * pixels);
                assertEquals(mu, mean[ch], 1e-5 * Math.sqrt(var) + 1e-6, "mean of channel " + ch);
                assertEquals(var, variance[ch], 1e-5 * var + 1e-9, "variance of channel " + ch);
            }
        }
    }

    /** Far from zero, in tiles of unequal sizes, the variance still comes out to float precision (no plain sum of squares). */
    @Test
    void momentsOfOutputsFarFromZero() {
        int[] ends = {100, 130, 300, 310, 420, 640, 700};
        int tiles = ends.length;
        ChannelMoments moments = new ChannelMoments(tiles, 1);
        Random random = new Random(11);
        float[] out = new float[ends[tiles - 1]];
        double sum = 0;
        for (int i = 0; i < out.length; i++) {
            out[i] = 1000f + (float) random.nextGaussian() * 0.01f + (i < 300 ? 0.05f : 0f);
        }
        out[130] = 1000.5f; // a tile whose first value, its shift, lies 20 standard deviations out
        for (float v : out) {
            sum += v;
        }
        for (int tile = 0; tile < tiles; tile++) {
            moments.apply(out, tile == 0 ? 0 : ends[tile - 1], ends[tile], 0, tile);
        }
        double mu = sum / out.length;
        double squares = 0;
        for (float v : out) {
            squares += (v - mu) * (v - mu);
        }
        float[] mean = new float[1];
        float[] variance = new float[1];
        moments.finish(mean, variance);
        assertEquals(mu, mean[0], 1e-4);
        // Floats near 1000 are 6e-5 apart, 0.2% of this standard deviation; a sum of squares (1e6 a value,
        // floats 0.06 apart) would miss the variance (7e-4) altogether.
        assertEquals(squares / out.length, variance[0], 1e-2 * squares / out.length);
    }

    @Test
    void sameWorkersGiveTheSameBits() {
        Conv conv = new Conv(new int[] {6, 16, 16, 16, 32, 3, 3, 2, 1});
        Random random = new Random(5);
        float[] in = uniform(random, conv.n * conv.c * conv.h * conv.w);
        float[] weight = uniform(random, conv.k * conv.depth());
        float[] gradOut = uniform(random, conv.n * conv.k * conv.oh * conv.ow);
        float[][] first = null;
        for (int run = 0; run < 3; run++) {
            try (WorkerPool pool = new WorkerPool(2)) {
                ConvRoutine routine = conv.routine(2);
                float[] out = new float[conv.n * conv.k * conv.oh * conv.ow];
                float[] gradIn = new float[in.length];
                float[] gradWeight = new float[weight.length];
                routine.forward(in, weight, out, pool);
                routine.backwardData(gradOut, weight, gradIn, pool);
                routine.backwardWeights(in, gradOut, gradWeight, pool);
                float[][] results = {out, gradIn, gradWeight};
                if (first == null) {
                    first = results;
                } else {
                    for (int i = 0; i < 3; i++) {
                        assertArrayEquals(first[i], results[i], "result " + i + " of run " + run);
                    }
                }
            }
        }
    }

    /**
     * Routines of every test shape sharing one scratch, its buffers poisoned with NaN and then left as the other
     * shapes leave them, give the bits of routines with their own: each pass writes all it reads.
     */
    @ParameterizedTest(name = "workers={0}")
    @ValueSource(ints = {1, 2, 3})
    void routinesSharingOneScratchGiveTheBitsOfRoutinesWithTheirOwn(int workers) {
        ConvScratch scratch = new ConvScratch(workers);
        List<Conv> convs = new ArrayList<>();
        List<ConvRoutine> shared = new ArrayList<>();
        for (int[] s : SHAPES) {
            Conv conv = new Conv(s);
            convs.add(conv);
            shared.add(new ConvRoutine(conv.n, conv.c, conv.h, conv.w, conv.k, conv.kh, conv.kw, conv.stride,
                    conv.pad, conv.oh, conv.ow, true, scratch));
        }
        scratch.allocate();
        Arrays.fill(scratch.weightCopy(), Float.NaN);
        for (float[] share : scratch.weightGradients()) {
            Arrays.fill(share, Float.NaN);
        }
        try (WorkerPool pool = new WorkerPool(workers)) {
            // Forwards, then backwards: each shape finds the buffers as the shapes before it left them.
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < convs.size(); i++) {
                    int at = round == 0 ? i : convs.size() - 1 - i;
                    Conv conv = convs.get(at);
                    Random random = new Random(at);
                    float[] in = uniform(random, conv.n * conv.c * conv.h * conv.w);
                    float[] weight = uniform(random, conv.k * conv.depth());
                    float[] gradOut = uniform(random, conv.n * conv.k * conv.oh * conv.ow);
                    ConvRoutine own = conv.routine(workers);
                    float[][] expected = {new float[gradOut.length], new float[in.length], new float[weight.length]};
                    own.forward(in, weight, expected[0], pool);
                    own.backwardData(gradOut, weight, expected[1], pool);
                    own.backwardWeights(in, gradOut, expected[2], pool);
                    float[][] actual = {new float[gradOut.length], new float[in.length], new float[weight.length]};
                    ConvRoutine routine = shared.get(at);
                    routine.forward(in, weight, actual[0], pool);
                    routine.backwardData(gradOut, weight, actual[1], pool);
                    routine.backwardWeights(in, gradOut, actual[2], pool);
                    for (int r = 0; r < 3; r++) {
                        assertArrayEquals(expected[r], actual[r], "result " + r + " of " + Arrays.toString(SHAPES[at]));
                    }
                }
            }
        }
    }

    @Test
    void aSharedScratchIsAllocatedOnceEveryRoutineIsBuiltAndBeforeAnyPass() {
        ConvScratch scratch = new ConvScratch(2);
        ConvRoutine routine = new ConvRoutine(1, 3, 8, 8, 4, 3, 3, 1, 1, 8, 8, true, scratch);
        try (WorkerPool pool = new WorkerPool(2)) {
            assertThrows(IllegalStateException.class,
                    () -> routine.forward(new float[192], new float[108], new float[256], pool));
        }
        scratch.allocate();
        assertThrows(IllegalStateException.class, () -> new ConvRoutine(1, 3, 8, 8, 4, 3, 3, 1, 1, 8, 8, true, scratch));
        assertThrows(IllegalStateException.class, scratch::allocate);
        assertThrows(IllegalArgumentException.class, () -> new ConvScratch(0));
    }

    @Test
    void rejectsInconsistentShapesAndPools() {
        assertThrows(IllegalArgumentException.class, () -> new ConvRoutine(1, 3, 8, 8, 4, 3, 3, 1, 1, 7, 8, 1));
        assertThrows(IllegalArgumentException.class, () -> new ConvRoutine(1, 3, 8, 8, 4, 3, 3, 1, 1, 8, 8, 0));
        ConvRoutine routine = new ConvRoutine(1, 3, 8, 8, 4, 3, 3, 1, 1, 8, 8, 2);
        try (WorkerPool pool = new WorkerPool(3)) {
            assertThrows(IllegalArgumentException.class,
                    () -> routine.forward(new float[192], new float[108], new float[256], pool));
        }
    }

    @Test
    void aForwardOnlyRoutineGivesTheSameForwardBitsAndRefusesGradients() {
        float[] in = new float[2 * 3 * 8 * 8];
        float[] weight = new float[4 * 3 * 3 * 3];
        java.util.Random random = new java.util.Random(5);
        for (int i = 0; i < in.length; i++) {
            in[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < weight.length; i++) {
            weight[i] = (float) random.nextGaussian();
        }
        ConvRoutine full = new ConvRoutine(2, 3, 8, 8, 4, 3, 3, 1, 1, 8, 8, 2);
        ConvRoutine forwardOnly = new ConvRoutine(2, 3, 8, 8, 4, 3, 3, 1, 1, 8, 8, 2, false);
        float[] expected = new float[2 * 4 * 8 * 8];
        float[] actual = new float[expected.length];
        try (WorkerPool pool = new WorkerPool(2)) {
            full.forward(in, weight, expected, pool);
            forwardOnly.forward(in, weight, actual, pool);
            assertArrayEquals(expected, actual);
            assertThrows(IllegalStateException.class, () -> forwardOnly.backwardData(actual, weight, in.clone(), pool));
            assertThrows(IllegalStateException.class,
                    () -> forwardOnly.backwardWeights(in, actual, weight.clone(), pool));
        }
    }

    /** The shape of a test convolution, with the kernels' results as the reference. */
    static final class Conv {
        final int n, c, h, w, k, kh, kw, stride, pad, oh, ow;

        Conv(int[] s) {
            n = s[0];
            c = s[1];
            h = s[2];
            w = s[3];
            k = s[4];
            kh = s[5];
            kw = s[6];
            stride = s[7];
            pad = s[8];
            oh = (h + 2 * pad - kh) / stride + 1;
            ow = (w + 2 * pad - kw) / stride + 1;
        }

        int depth() {
            return c * kh * kw;
        }

        ConvRoutine routine(int workers) {
            return new ConvRoutine(n, c, h, w, k, kh, kw, stride, pad, oh, ow, workers);
        }

        float[] forwardKernel(float[] in, float[] weight) {
            float[] out = new float[n * k * oh * ow];
            ConvKernels.forward(in, weight, out, n, c, h, w, k, kh, kw, stride, pad, oh, ow);
            return out;
        }

        /** Batch norm with running statistics, then + residual (unless null), then ReLU when asked. */
        float[] epilogueKernels(float[] convolved, Norm norm, float[] residual, boolean relu) {
            int size = convolved.length;
            float[] y = new float[size];
            BatchNormKernels.forwardInference(convolved, norm.mean, norm.var, norm.gamma, norm.beta, y, n, k, oh * ow,
                    BatchNorm2d.EPS);
            if (residual != null) {
                float[] sum = new float[size];
                ElementwiseKernels.add(y, residual, sum, size);
                y = sum;
            }
            if (relu) {
                float[] activated = new float[size];
                ActivationKernels.reluForward(y, activated, size);
                y = activated;
            }
            return y;
        }

        /** Batch-norm parameters and running statistics of k channels. */
        record Norm(float[] gamma, float[] beta, float[] mean, float[] var) {
            static Norm random(Random random, int k) {
                float[] var = uniform(random, k);
                for (int i = 0; i < k; i++) {
                    var[i] = 0.25f + var[i] * var[i];
                }
                return new Norm(uniform(random, k), uniform(random, k), uniform(random, k), var);
            }

            ConvEpilogue epilogue(float[] residual, boolean relu) {
                return new ConvEpilogue(gamma, beta, mean, var, BatchNorm2d.EPS, residual, relu);
            }
        }

        float[] backwardDataKernel(float[] gradOut, float[] weight) {
            float[] gradIn = new float[n * c * h * w];
            ConvKernels.backwardData(gradOut, weight, gradIn, n, c, h, w, k, kh, kw, stride, pad, oh, ow);
            return gradIn;
        }

        float[] backwardWeightsKernel(float[] in, float[] gradOut) {
            int groups = Math.min(n, 4);
            float[] partial = new float[groups * k * depth()];
            ConvKernels.backwardWeightsPartial(in, gradOut, partial, n, c, h, w, k, kh, kw, stride, pad, oh, ow, groups);
            float[] gradWeight = new float[k * depth()];
            ReduceKernels.sumGroups(partial, gradWeight, groups, k * depth());
            return gradWeight;
        }
    }

    /** Within float rounding of a sum of {@code terms} products of numbers in [-1, 1). */
    static void assertClose(float[] expected, float[] actual, int terms, String what) {
        Close.assertClose(what, expected, actual, e -> 1e-6 * terms);
    }

    static float[] uniform(Random random, int size) {
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = random.nextFloat() * 2f - 1f;
        }
        return x;
    }

    static float[] poisoned(int size) {
        float[] x = new float[size];
        Arrays.fill(x, Float.NaN);
        return x;
    }
}
