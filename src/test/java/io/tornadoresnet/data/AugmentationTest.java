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

    @Test
    void pcaLightingShiftsEachChannelAlongImageNetsComponents() {
        Augmentation lighting = Augmentation.none().withLighting(0.1f);
        assertTrue(lighting.needsDecoding());
        float[][] vectors = {
            {-0.5675f, -0.5808f, -0.5836f}, {0.7192f, -0.0045f, -0.6948f}, {0.4009f, -0.8140f, 0.4203f}};
        float[] eigenvalues = {0.2175f, 0.0188f, 0.0045f};
        double[] squares = new double[3];
        int n = 4000;
        for (long key = 0; key < n; key++) {
            float[] image = new float[3 * 4];
            Arrays.fill(image, 0.5f);
            lighting.applyLighting(image, 0, 3, 4, key);
            float[] shift = new float[3];
            for (int c = 0; c < 3; c++) {
                shift[c] = image[c * 4] - 0.5f;
                for (int j = 1; j < 4; j++) {
                    assertEquals(image[c * 4], image[c * 4 + j], 1e-7f, "one shift per channel");
                }
            }
            for (int i = 0; i < 3; i++) {
                double along = shift[0] * vectors[i][0] + shift[1] * vectors[i][1] + shift[2] * vectors[i][2];
                squares[i] += along * along;
            }
        }
        for (int i = 0; i < 3; i++) {
            double std = Math.sqrt(squares[i] / n);
            assertEquals(0.1 * eigenvalues[i], std, 0.1 * 0.1 * eigenvalues[i], "component " + i);
        }
        float[] gray = {0.5f, 0.5f};
        lighting.applyLighting(gray, 0, 1, 2, 7);
        assertArrayEquals(new float[] {0.5f, 0.5f}, gray, "gray images keep their values");
        assertFalse(Augmentation.paper().needsDecoding());
        assertEquals("shorter side in [256, 480] + random crop + random flip + PCA lighting 0.1",
                Augmentation.of(0, Augmentation.Padding.ZERO, true).withScale(256, 480).withLighting(0.1f).toString());
        assertThrows(IllegalArgumentException.class, () -> Augmentation.none().withScale(300, 200));
    }

    /**
     * Random erasing as torchvision's {@code RandomErasing(p, value='random')}: about p of the images get one
     * rectangle of noise, the same in every channel, of 2-33% of the image and aspect ratio 0.3-3.3 (to
     * rounding); the rest of the image is the crop; the choices depend on the key alone.
     */
    @Test
    void randomErasingFillsOneRectanglePerErasedImageWithNoise() {
        Shape shape = Shape.of(2, 28, 28);
        Augmentation erasing = Augmentation.of(0, Augmentation.Padding.ZERO, false).withErasing(0.5f);
        assertFalse(erasing.isIdentity());
        assertEquals("random erasing 0.5", erasing.toString());
        float[] src = new float[shape.size()];
        Arrays.fill(src, Float.NaN);
        int images = 2000;
        int erased = 0;
        double sum = 0;
        double squares = 0;
        long values = 0;
        Set<Integer> heights = new HashSet<>();
        for (long key = 0; key < images; key++) {
            float[] image = new float[shape.size()];
            erasing.apply(shape, src, 0, image, 0, key);
            float[] again = new float[shape.size()];
            erasing.apply(shape, src, 0, again, 0, key);
            assertArrayEquals(image, again, "key " + key);
            int top = 28;
            int bottom = -1;
            int left = 28;
            int right = -1;
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) {
                    boolean noise = !Float.isNaN(image[y * 28 + x]);
                    assertEquals(noise, !Float.isNaN(image[(28 + y) * 28 + x]), "same rectangle in both channels");
                    if (noise) {
                        top = Math.min(top, y);
                        bottom = Math.max(bottom, y);
                        left = Math.min(left, x);
                        right = Math.max(right, x);
                    }
                }
            }
            if (bottom < 0) {
                continue;
            }
            erased++;
            int height = bottom - top + 1;
            int width = right - left + 1;
            heights.add(height);
            for (int c = 0; c < 2; c++) {
                for (int y = 0; y < 28; y++) {
                    for (int x = 0; x < 28; x++) {
                        float v = image[(c * 28 + y) * 28 + x];
                        boolean inside = y >= top && y <= bottom && x >= left && x <= right;
                        assertEquals(inside, !Float.isNaN(v), "a filled rectangle, key " + key);
                        if (inside) {
                            sum += v;
                            squares += v * v;
                            values++;
                        }
                    }
                }
            }
            double area = height * width / (28.0 * 28.0);
            assertTrue(area > 0.01 && area < 0.36, "area " + area + ", key " + key);
            double aspect = (double) height / width;
            assertTrue(aspect > 0.2 && aspect < 5, "aspect " + aspect + ", key " + key);
        }
        assertTrue(erased > 0.45 * images && erased < 0.55 * images, erased + " of " + images + " erased");
        assertTrue(heights.size() > 10, "heights " + heights);
        double mean = sum / values;
        assertEquals(0, mean, 0.02, "noise mean");
        assertEquals(1, Math.sqrt(squares / values - mean * mean), 0.02, "noise deviation");

        float[] never = new float[shape.size()];
        Augmentation.none().withErasing(0f).apply(shape, src, 0, never, 0, 3);
        assertTrue(Float.isNaN(never[0]) && Augmentation.none().withErasing(0f).isIdentity());
        assertThrows(IllegalArgumentException.class, () -> Augmentation.none().withErasing(1.5f));
        assertThrows(IllegalArgumentException.class, () -> Augmentation.none().withErasing(Float.NaN));
    }
}
