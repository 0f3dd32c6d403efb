package io.tornadoresnet.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tornadoresnet.tensor.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

class NormalizationTest {
    private static final Shape SHAPE = Shape.of(2, 1, 2);
    /** Two images of 2x1x2: channel 0 holds {0, 51} and {102, 153}, channel 1 holds {255, 255} and {0, 0}. */
    private static final InMemoryDataset DATA = new InMemoryDataset("two", SHAPE, List.of("a"),
            new byte[] {0, 51, (byte) 255, (byte) 255, 102, (byte) 153, 0, 0}, new int[] {0, 0});

    @Test
    void pixelMeanIsTheMeanImage() {
        Normalization n = Normalization.pixelMean(DATA);
        assertEquals(Normalization.Kind.PIXEL_MEAN, n.kind());
        assertArrayEquals(new float[] {0.2f, 0.4f, 0.5f, 0.5f}, n.mean(), 1e-6f);
        assertEquals(0, n.std().length);
        float[] batch = new float[9];
        DATA.image(0, batch, 1);
        DATA.image(1, batch, 5);
        n.apply(batch, 1, 2);
        assertArrayEquals(new float[] {0, -0.2f, -0.2f, 0.5f, 0.5f, 0.2f, 0.2f, -0.5f, -0.5f}, batch, 1e-6f);
    }

    @Test
    void channelMeanStdStandardisesEachChannel() {
        Normalization n = Normalization.channelMeanStd(DATA);
        // channel 0: 0, .2, .4, .6 -> mean .3, population std sqrt(.05); channel 1: 1, 1, 0, 0 -> .5, .5
        assertArrayEquals(new float[] {0.3f, 0.5f}, n.mean(), 1e-6f);
        assertArrayEquals(new float[] {(float) Math.sqrt(0.05), 0.5f}, n.std(), 1e-6f);
        float[] image = TestData.image(DATA, 1);
        n.apply(image, 0, 1);
        float s = (float) Math.sqrt(0.05);
        assertArrayEquals(new float[] {0.1f / s, 0.3f / s, -1, -1}, image, 1e-5f);
    }

    @Test
    void savedStatisticsRestoreTheSameNormalisation() {
        Normalization computed = Normalization.compute(Normalization.Kind.CHANNEL_MEAN_STD, DATA);
        Normalization restored = Normalization.of(computed.kind(), SHAPE, computed.mean(), computed.std());
        float[] a = TestData.image(DATA, 0);
        float[] b = a.clone();
        computed.apply(a, 0, 1);
        restored.apply(b, 0, 1);
        assertArrayEquals(a, b);
        assertThrows(IllegalArgumentException.class,
                () -> Normalization.of(Normalization.Kind.PIXEL_MEAN, SHAPE, new float[2], new float[0]));
        assertThrows(IllegalArgumentException.class,
                () -> Normalization.of(Normalization.Kind.CHANNEL_MEAN_STD, SHAPE, new float[2], new float[] {1, 0}));
        assertThrows(IllegalArgumentException.class, () -> computed.checkShape(Shape.of(2, 2, 1)));
    }

    @Test
    void noneLeavesPixelsAlone() {
        float[] image = TestData.image(DATA, 0);
        Normalization.compute(Normalization.Kind.NONE, DATA).apply(image, 0, 1);
        assertArrayEquals(TestData.image(DATA, 0), image);
    }
}
