package io.tornadoresnet.data;

import io.tornadoresnet.tensor.Shape;
import java.util.Arrays;

/**
 * Random crop with padding and random horizontal flip, as torchvision's
 * {@code RandomCrop(H, padding=P)} followed by {@code RandomHorizontalFlip()}. It runs after
 * normalisation, so ZERO padding pads with the mean (He et al. 2016: "4 pixels are padded on each
 * side, and a 32x32 crop is randomly sampled from the padded image or its horizontal flip").
 * The random choices of a sample come from a 64-bit key alone, so they do not depend on threads.
 */
public final class Augmentation {

    public enum Padding {
        /** Pad with 0 (after normalisation: with the mean). */
        ZERO,
        /** Mirror the image without repeating its edge, as PyTorch's "reflect". */
        REFLECT
    }

    private static final Augmentation NONE = new Augmentation(0, Padding.ZERO, false);

    private final int pad;
    private final Padding padding;
    private final boolean flip;

    private Augmentation(int pad, Padding padding, boolean flip) {
        this.pad = pad;
        this.padding = padding;
        this.flip = flip;
    }

    public static Augmentation none() {
        return NONE;
    }

    /** Pads by {@code pad} on each side, crops back at a random offset, flips half the images if {@code flip}. */
    public static Augmentation of(int pad, Padding padding, boolean flip) {
        if (pad < 0) {
            throw new IllegalArgumentException("padding must not be negative: " + pad);
        }
        return new Augmentation(pad, padding, flip);
    }

    /** The paper's CIFAR-10 augmentation: 4 pixels of zeros, random crop, random flip. */
    public static Augmentation paper() {
        return of(4, Padding.ZERO, true);
    }

    public int pad() {
        return pad;
    }

    public Padding padding() {
        return padding;
    }

    public boolean flip() {
        return flip;
    }

    /** True when {@link #apply} only copies. */
    public boolean isIdentity() {
        return pad == 0 && !flip;
    }

    /** Fails unless this augmentation can apply to images of {@code shape}. */
    public void checkShape(Shape shape) {
        if (padding == Padding.REFLECT && pad >= Math.min(shape.dim(1), shape.dim(2))) {
            throw new IllegalArgumentException("reflect padding of " + pad + " needs images larger than " + pad
                    + " pixels, not " + shape);
        }
    }

    /**
     * Writes the augmented image {@code src[srcOffset..]} to {@code dst[dstOffset..]} with the crop
     * offsets and flip drawn from {@code key}.
     */
    public void apply(Shape shape, float[] src, int srcOffset, float[] dst, int dstOffset, long key) {
        long z = Seeds.mix64(key);
        int top = (int) Long.remainderUnsigned(z, 2 * pad + 1);
        int left = (int) Long.remainderUnsigned(Seeds.mix64(z), 2 * pad + 1);
        boolean flipped = flip && Seeds.mix64(z ^ 0x5DEECE66DL) < 0;
        apply(shape, src, srcOffset, dst, dstOffset, top, left, flipped);
    }

    /**
     * Writes the HxW window at ({@code top}, {@code left}) of the padded image, each in 0..2*pad,
     * mirrored left-right if {@code flipped}: {@code dst[c][y][x] = padded[c][y + top][x' + left]}
     * with {@code x' = flipped ? W-1-x : x}.
     */
    public void apply(Shape shape, float[] src, int srcOffset, float[] dst, int dstOffset,
            int top, int left, boolean flipped) {
        int channels = shape.dim(0);
        int h = shape.dim(1);
        int w = shape.dim(2);
        for (int c = 0; c < channels; c++) {
            for (int y = 0; y < h; y++) {
                int sy = source(y + top - pad, h);
                int out = dstOffset + (c * h + y) * w;
                if (sy < 0) {
                    Arrays.fill(dst, out, out + w, 0f);
                    continue;
                }
                int row = srcOffset + (c * h + sy) * w;
                for (int x = 0; x < w; x++) {
                    int sx = source((flipped ? w - 1 - x : x) + left - pad, w);
                    dst[out + x] = sx < 0 ? 0f : src[row + sx];
                }
            }
        }
    }

    @Override
    public String toString() {
        if (isIdentity()) {
            return "no augmentation";
        }
        String crop = pad > 0 ? "pad " + pad + " " + padding.name().toLowerCase() + " + random crop" : "";
        return crop + (flip ? (crop.isEmpty() ? "" : " + ") + "random flip" : "");
    }

    /** The source index of padded position {@code i}, or -1 for a zero. */
    private int source(int i, int n) {
        if (i >= 0 && i < n) {
            return i;
        }
        if (padding == Padding.ZERO) {
            return -1;
        }
        return i < 0 ? -i : 2 * n - 2 - i;
    }
}
