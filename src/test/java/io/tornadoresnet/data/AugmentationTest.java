package io.tornadoresnet.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tornadoresnet.tensor.Shape;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AugmentationTest {
    private static final Shape SHAPE = Shape.of(2, 3, 4);

    /** Value 100c + 10y + x + 1 at (c, y, x): every pixel distinct and non-zero. */
    private static float[] source() {
        float[] src = new float[SHAPE.size()];
        for (int c = 0; c < 2; c++) {
            for (int y = 0; y < 3; y++) {
                for (int x = 0; x < 4; x++) {
                    src[(c * 3 + y) * 4 + x] = 100 * c + 10 * y + x + 1;
                }
            }
        }
        return src;
    }

    private static float[] crop(Augmentation a, int top, int left, boolean flip) {
        float[] dst = new float[SHAPE.size() + 3];
        Arrays.fill(dst, -7);
        a.apply(SHAPE, source(), 0, dst, 3, top, left, flip);
        return Arrays.copyOfRange(dst, 3, dst.length);
    }

    private static float value(int c, int y, int x) {
        return 100 * c + 10 * y + x + 1;
    }

    @Test
    void centreCropWithoutFlipIsTheImage() {
        assertArrayEquals(source(), crop(Augmentation.of(2, Augmentation.Padding.ZERO, true), 2, 2, false));
    }

    @Test
    void cropOffsetsShiftThePixelsAndPadWithZeros() {
        Augmentation a = Augmentation.of(2, Augmentation.Padding.ZERO, false);
        float[] out = crop(a, 1, 3, false); // shift: out(y, x) = src(y - 1, x + 1)
        for (int c = 0; c < 2; c++) {
            for (int y = 0; y < 3; y++) {
                for (int x = 0; x < 4; x++) {
                    int sy = y - 1;
                    int sx = x + 1;
                    float expected = sy < 0 || sx > 3 ? 0 : value(c, sy, sx);
                    assertEquals(expected, out[(c * 3 + y) * 4 + x], "c" + c + " y" + y + " x" + x);
                }
            }
        }
    }

    @Test
    void flipMirrorsTheCrop() {
        Augmentation a = Augmentation.of(1, Augmentation.Padding.ZERO, true);
        float[] flipped = crop(a, 1, 1, true);
        float[] shifted = crop(a, 1, 0, true); // window one column left of centre, then mirrored
        for (int c = 0; c < 2; c++) {
            for (int y = 0; y < 3; y++) {
                for (int x = 0; x < 4; x++) {
                    assertEquals(value(c, y, 3 - x), flipped[(c * 3 + y) * 4 + x]);
                    float expected = x == 3 ? 0 : value(c, y, 2 - x);
                    assertEquals(expected, shifted[(c * 3 + y) * 4 + x]);
                }
            }
        }
    }

    @Test
    void reflectPaddingMirrorsWithoutRepeatingTheEdge() {
        Augmentation a = Augmentation.of(2, Augmentation.Padding.REFLECT, false);
        float[] out = crop(a, 0, 0, false); // out(y, x) = src(reflect(y - 2), reflect(x - 2))
        int[] ry = {2, 1, 0};
        int[] rx = {2, 1, 0, 1};
        for (int y = 0; y < 3; y++) {
            for (int x = 0; x < 4; x++) {
                assertEquals(value(1, ry[y], rx[x]), out[(3 + y) * 4 + x]);
            }
        }
        assertThrows(IllegalArgumentException.class,
                () -> Augmentation.of(3, Augmentation.Padding.REFLECT, false).checkShape(SHAPE));
    }

    @Test
    void randomChoicesDependOnTheKeyAlone() {
        Augmentation a = Augmentation.paper();
        Shape shape = Shape.of(1, 8, 8);
        float[] src = new float[64];
        for (int i = 0; i < 64; i++) {
            src[i] = i + 1;
        }
        Set<String> seen = new HashSet<>();
        for (long key = 0; key < 2000; key++) {
            float[] first = new float[64];
            float[] second = new float[64];
            a.apply(shape, src, 0, first, 0, key);
            a.apply(shape, src, 0, second, 0, key);
            assertArrayEquals(first, second);
            seen.add(Arrays.toString(first));
        }
        assertEquals(9 * 9 * 2, seen.size(), "all 81 offsets, flipped and not");
        assertTrue(Augmentation.none().isIdentity());
        assertFalse(a.isIdentity());
        assertEquals("pad 4 zero + random crop + random flip", a.toString());
    }
}
