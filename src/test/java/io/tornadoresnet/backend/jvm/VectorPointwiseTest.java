package io.tornadoresnet.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Vector API loops against plain ones: the order of the sums (their last bits), copies, the split by phases. */
class VectorPointwiseTest {
    @Test
    void copyAndDeinterleaveMoveEveryFloatOfEveryLengthAndNothingElse() {
        Assumptions.assumeTrue(VectorApi.available(), "the loops run only with the Vector API");
        float[] from = new float[200];
        for (int i = 0; i < from.length; i++) {
            from[i] = i + 1;
        }
        for (int length = 0; length <= 3 * FloatVector.SPECIES_PREFERRED.length() + 1; length++) {
            float[] copied = new float[from.length];
            VectorPointwise.copy(from, 5, copied, 7, length);
            float[] expected = new float[from.length];
            System.arraycopy(from, 5, expected, 7, length);
            assertArrayEquals(expected, copied, "copy of " + length);

            float[] split = new float[from.length];
            VectorPointwise.deinterleave(from, 3, length, split, 10, 100);
            expected = new float[from.length];
            for (int x = 0; x < length; x++) {
                expected[(x % 2 == 0 ? 10 : 100) + x / 2] = from[3 + x];
            }
            assertArrayEquals(expected, split, "split of " + length);
        }
    }

    @Test
    void addAtEvenPlacesAddsEveryOtherFloatAndLeavesTheOthers() {
        Assumptions.assumeTrue(VectorApi.available(), "the loops run only with the Vector API");
        Random random = new Random(9);
        float[] from = new float[80];
        for (int i = 0; i < from.length; i++) {
            from[i] = random.nextFloat() - 0.5f;
        }
        for (int count = 0; count <= 3 * FloatVector.SPECIES_PREFERRED.length() + 1; count++) {
            float[] to = new float[2 * count + 20];
            for (int i = 0; i < to.length; i++) {
                to[i] = random.nextFloat() - 0.5f;
            }
            float[] expected = to.clone();
            for (int i = 0; i < count; i++) {
                expected[5 + 2 * i] += from[3 + i];
            }
            VectorPointwise.addAtEvenPlaces(from, 3, count, to, 5);
            assertArrayEquals(expected, to, "count " + count);
        }
    }

    @ParameterizedTest(name = "{0} floats")
    @ValueSource(ints = {1, 15, 16, 49, 64, 200, 1031})
    void sumsRunInLanesThenAddTheLanesInOrderThenTheTail(int length) {
        Assumptions.assumeTrue(VectorApi.available(), "the loops run only with the Vector API");
        int lanes = FloatVector.SPECIES_PREFERRED.length();
        Random random = new Random(length);
        float[] x = new float[length + 3];
        for (int i = 0; i < x.length; i++) {
            // Magnitudes 1e-4 to 1e4: any other order of the additions rounds differently.
            x[i] = (float) ((random.nextDouble() - 0.5) * Math.pow(10, random.nextInt(9) - 4));
        }
        int from = 3;
        int to = x.length;
        float[] laneSums = new float[lanes];
        int i = from;
        for (; i + lanes <= to; i += lanes) {
            for (int lane = 0; lane < lanes; lane++) {
                laneSums[lane] += x[i + lane];
            }
        }
        float expected = 0;
        for (float laneSum : laneSums) {
            expected += laneSum;
        }
        for (; i < to; i++) {
            expected += x[i];
        }
        for (int run = 0; run < 20_000; run++) {
            // Enough runs for the JIT to compile the loop: interpreted and compiled code must agree.
            assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(VectorPointwise.sum(x, from, to)),
                    "run " + run);
        }
    }
}
