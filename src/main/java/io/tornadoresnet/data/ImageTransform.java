package io.tornadoresnet.data;

import io.tornadoresnet.tensor.Shape;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

/**
 * From an encoded image to the CxHxW views a model sees, as [0,1] floats rounded to 8 bits like
 * every decoded image here: resize the shorter side (to a length drawn from the sample's key, or a
 * fixed one), then crop. The crops:
 * <ul>
 *   <li>centre: the centre HxW (evaluation);</li>
 *   <li>random: an HxW window at a random place (the paper's scale augmentation);</li>
 *   <li>ten: the centre and the four corner HxW windows, then the same five mirrored left-right:
 *       the 10-crop test of Krizhevsky et al. (2012), which the paper uses (section 3.4).</li>
 * </ul>
 * {@link #whole} resizes without a crop: one scale of the multi-scale test.
 */
final class ImageTransform {

    /** Decoded pixels: {@code channels} planes of floats in [0,255]. */
    record Decoded(float[] planes, int channels, int height, int width) {
    }

    private enum Crop { CENTRE, RANDOM, TEN }

    private final Shape shape;
    private final int minSide;
    private final int maxSide;
    private final Crop crop;

    private ImageTransform(Shape shape, int minSide, int maxSide, Crop crop) {
        Images.checkTarget(shape, minSide);
        this.shape = shape;
        this.minSide = minSide;
        this.maxSide = maxSide;
        this.crop = crop;
    }

    /** Training: a random shorter side and crop with scale augmentation, else {@code resize} and the centre. */
    static ImageTransform training(Shape shape, int resize, Augmentation augmentation) {
        if (augmentation.scaleMax() > 0) {
            if (augmentation.scaleMin() < Math.max(shape.dim(1), shape.dim(2))) {
                throw new IllegalArgumentException("scale augmentation's shorter side " + augmentation.scaleMin()
                        + " is smaller than the " + shape.dim(1) + "x" + shape.dim(2) + " crop");
            }
            return new ImageTransform(shape, augmentation.scaleMin(), augmentation.scaleMax(), Crop.RANDOM);
        }
        return centre(shape, resize);
    }

    static ImageTransform centre(Shape shape, int resize) {
        return new ImageTransform(shape, resize, resize, Crop.CENTRE);
    }

    static ImageTransform tenCrop(Shape shape, int resize) {
        return new ImageTransform(shape, resize, resize, Crop.TEN);
    }

    Shape shape() {
        return shape;
    }

    /** Views written per image. */
    int views() {
        return crop == Crop.TEN ? 10 : 1;
    }

    /** Decodes after checking the header against the largest shorter side this transform resizes to. */
    Decoded decode(byte[] bytes, Path name, int channels, StageTimes times) throws IOException {
        return decode(bytes, name, channels, maxSide, times);
    }

    /** Decodes after checking the header against {@code maxSide}, the largest shorter side it will be resized to. */
    static Decoded decode(byte[] bytes, Path name, int channels, int maxSide, StageTimes times) throws IOException {
        long start = System.nanoTime();
        BufferedImage img = Images.read(bytes, name, maxSide);
        float[] planes = Images.planes(img, channels);
        if (times != null) {
            times.lap(StageTimes.Stage.DECODE, start);
        }
        return new Decoded(planes, channels, img.getHeight(), img.getWidth());
    }

    /** Writes {@link #views()} images of {@code shape} at {@code dst[offset..]}, random choices from {@code key}. */
    void apply(Decoded image, long key, float[] dst, int offset, StageTimes times) {
        long start = System.nanoTime();
        int h = image.height();
        int w = image.width();
        long z = Seeds.mix64(key ^ 0x510E527FADE682D1L);
        int side = minSide + (int) Long.remainderUnsigned(z, maxSide - minSide + 1);
        int rh = Images.resizedHeight(h, w, side);
        int rw = Images.resizedHeight(w, h, side);
        int outH = shape.dim(1);
        int outW = shape.dim(2);
        int channels = image.channels();
        int size = shape.size();
        if (crop == Crop.TEN) {
            float[] resized = Images.resize(image.planes(), channels, h, w, rh, rw, 0, 0, rh, rw);
            start = lap(times, StageTimes.Stage.RESIZE, start);
            int[][] corners = {{(rh - outH) / 2, (rw - outW) / 2}, {0, 0}, {0, rw - outW}, {rh - outH, 0},
                {rh - outH, rw - outW}};
            for (int v = 0; v < 10; v++) {
                int[] at = corners[v % 5];
                window(resized, channels, rw, at[0], at[1], v >= 5, dst, offset + v * size);
            }
            lap(times, StageTimes.Stage.CROP_FLIP, start);
            return;
        }
        int top = (rh - outH) / 2;
        int left = (rw - outW) / 2;
        if (crop == Crop.RANDOM) {
            top = (int) Long.remainderUnsigned(Seeds.mix64(z + 1), rh - outH + 1);
            left = (int) Long.remainderUnsigned(Seeds.mix64(z + 2), rw - outW + 1);
        }
        float[] window = Images.resize(image.planes(), channels, h, w, rh, rw, top, left, outH, outW);
        start = lap(times, StageTimes.Stage.RESIZE, start);
        for (int j = 0; j < size; j++) {
            dst[offset + j] = unit(window[j]);
        }
        lap(times, StageTimes.Stage.CROP_FLIP, start);
    }

    /**
     * The whole image, uncropped, with its shorter side resized to {@code side}: {@code channels} planes
     * of {@link Images#resizedHeight} x the resized width, as [0,1] floats rounded to 8 bits.
     */
    static float[] whole(Decoded image, int side) {
        int h = image.height();
        int w = image.width();
        int rh = Images.resizedHeight(h, w, side);
        int rw = Images.resizedHeight(w, h, side);
        float[] resized = Images.resize(image.planes(), image.channels(), h, w, rh, rw, 0, 0, rh, rw);
        for (int j = 0; j < resized.length; j++) {
            resized[j] = unit(resized[j]);
        }
        return resized;
    }

    /** Copies the HxW window at (top, left) of a resized image, mirrored if {@code flipped}. */
    private void window(float[] resized, int channels, int rw, int top, int left, boolean flipped, float[] dst,
            int offset) {
        int rh = resized.length / channels / rw;
        int outH = shape.dim(1);
        int outW = shape.dim(2);
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < outH; y++) {
                int src = (c * rh + top + y) * rw + left;
                int out = offset + (c * outH + y) * outW;
                for (int x = 0; x < outW; x++) {
                    dst[out + x] = unit(resized[src + (flipped ? outW - 1 - x : x)]);
                }
            }
        }
    }

    private static float unit(float value) {
        return (Images.toByte(value) & 0xFF) / 255f;
    }

    private static long lap(StageTimes times, StageTimes.Stage stage, long start) {
        return times == null ? System.nanoTime() : times.lap(stage, start);
    }
}
