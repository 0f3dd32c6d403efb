package io.tornadoresnet.data;

import io.tornadoresnet.tensor.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Random crop with padding and random horizontal flip, as torchvision's
 * {@code RandomCrop(H, padding=P)} followed by {@code RandomHorizontalFlip()}. It runs after
 * normalisation, so ZERO padding pads with the mean (He et al. 2016: "4 pixels are padded on each
 * side, and a 32x32 crop is randomly sampled from the padded image or its horizontal flip").
 * Random erasing follows, where asked for (Zhong et al., "Random Erasing Data Augmentation", AAAI 2020),
 * as torchvision's {@code RandomErasing(p, scale=(0.02, 0.33), ratio=(0.3, 3.3), value='random')} after
 * {@code Normalize}: with probability p, a rectangle of 2% to 33% of the image, its aspect ratio
 * log-uniform in [0.3, 3.3], is filled with N(0, 1) noise, the same rectangle in every channel.
 * The random choices of a sample come from a 64-bit key alone, so they do not depend on threads.
 *
 * <p>Two more parts act on the decoded image, so only a streaming image data set applies them
 * ({@link StreamingLoader}): scale augmentation (the shorter side resized to a random length in
 * [min, max], then a random HxW crop: the paper's ImageNet recipe, section 3.4, with [256, 480])
 * and Krizhevsky's PCA lighting (each image shifted along the principal components of ImageNet's
 * RGB values by N(0, std) times their eigenvalues; std 0.1 in AlexNet and fb.resnet.torch).
 */
public final class Augmentation {

    public enum Padding {
        /** Pad with 0 (after normalisation: with the mean). */
        ZERO,
        /** Mirror the image without repeating its edge, as PyTorch's "reflect". */
        REFLECT
    }

    private static final Augmentation NONE = new Augmentation(0, Padding.ZERO, false, 0, 0, 0f, 0f);

    /** Random erasing's bounds on the erased area, as fractions of the image (torchvision's defaults). */
    private static final double ERASE_MIN_AREA = 0.02;
    private static final double ERASE_MAX_AREA = 0.33;
    /** Random erasing's bounds on the rectangle's height over width, drawn log-uniform (torchvision's defaults). */
    private static final double ERASE_LOG_MIN_ASPECT = Math.log(0.3);
    private static final double ERASE_LOG_MAX_ASPECT = Math.log(3.3);
    /** Rectangles drawn before random erasing gives up on an image, as torchvision. */
    private static final int ERASE_ATTEMPTS = 10;

    /** Eigenvalues of the covariance of ImageNet's RGB values in [0,1], largest first (AlexNet, fb.resnet.torch). */
    private static final float[] EIGENVALUES = {0.2175f, 0.0188f, 0.0045f};
    /** The matching eigenvectors as columns: EIGENVECTORS[channel][component]. */
    private static final float[][] EIGENVECTORS = {
        {-0.5675f, 0.7192f, 0.4009f},
        {-0.5808f, -0.0045f, -0.8140f},
        {-0.5836f, -0.6948f, 0.4203f}};

    private final int pad;
    private final Padding padding;
    private final boolean flip;
    private final int scaleMin;
    private final int scaleMax;
    private final float lighting;
    private final float erase;

    private Augmentation(int pad, Padding padding, boolean flip, int scaleMin, int scaleMax, float lighting,
            float erase) {
        this.pad = pad;
        this.padding = padding;
        this.flip = flip;
        this.scaleMin = scaleMin;
        this.scaleMax = scaleMax;
        this.lighting = lighting;
        this.erase = erase;
    }

    public static Augmentation none() {
        return NONE;
    }

    /** Pads by {@code pad} on each side, crops back at a random offset, flips half the images if {@code flip}. */
    public static Augmentation of(int pad, Padding padding, boolean flip) {
        if (pad < 0) {
            throw new IllegalArgumentException("padding must not be negative: " + pad);
        }
        return new Augmentation(pad, padding, flip, 0, 0, 0f, 0f);
    }

    /** This augmentation with the shorter side resized to a random length in [min, max] and a random crop. */
    public Augmentation withScale(int min, int max) {
        if (min <= 0 || max < min) {
            throw new IllegalArgumentException("scale range must be 0 < min <= max, not [" + min + ", " + max + "]");
        }
        return new Augmentation(pad, padding, flip, min, max, lighting, erase);
    }

    /** This augmentation with PCA lighting of standard deviation {@code std} (0 for none). */
    public Augmentation withLighting(float std) {
        if (!(std >= 0) || !Float.isFinite(std)) {
            throw new IllegalArgumentException("lighting must be a finite number, 0 or more: " + std);
        }
        return new Augmentation(pad, padding, flip, scaleMin, scaleMax, std, erase);
    }

    /** This augmentation with random erasing of probability {@code p} (0 for none). */
    public Augmentation withErasing(float p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("erasing probability must be from 0 to 1: " + p);
        }
        return new Augmentation(pad, padding, flip, scaleMin, scaleMax, lighting, p);
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

    /** The shortest shorter side of scale augmentation; 0 without it. */
    public int scaleMin() {
        return scaleMin;
    }

    /** The longest shorter side of scale augmentation; 0 without it. */
    public int scaleMax() {
        return scaleMax;
    }

    /** The standard deviation of PCA lighting; 0 without it. */
    public float lighting() {
        return lighting;
    }

    /** The probability of random erasing; 0 without it. */
    public float erase() {
        return erase;
    }

    /** Whether it has parts that act on decoded images (scale, lighting). */
    public boolean needsDecoding() {
        return scaleMax > 0 || lighting > 0;
    }

    /** True when {@link #apply} only copies. */
    public boolean isIdentity() {
        return pad == 0 && !flip && erase == 0;
    }

    /**
     * Adds the PCA lighting drawn from {@code key} to an RGB image of [0,1] values ({@code plane}
     * pixels per channel at {@code image[offset..]}); does nothing without lighting or for gray images.
     */
    public void applyLighting(float[] image, int offset, int channels, int plane, long key) {
        if (lighting == 0 || channels != 3) {
            return;
        }
        SplittableRandom random = new SplittableRandom(Seeds.mix64(key ^ 0x3C6EF372FE94F82BL));
        double[] alpha = new double[3];
        for (int i = 0; i < 3; i++) {
            alpha[i] = gaussian(random) * lighting * EIGENVALUES[i];
        }
        for (int c = 0; c < 3; c++) {
            float shift = (float) (EIGENVECTORS[c][0] * alpha[0] + EIGENVECTORS[c][1] * alpha[1]
                    + EIGENVECTORS[c][2] * alpha[2]);
            int base = offset + c * plane;
            for (int j = 0; j < plane; j++) {
                image[base + j] += shift;
            }
        }
    }

    /** A standard normal value (Box-Muller), the same on every JVM for the same stream. */
    private static double gaussian(SplittableRandom random) {
        double u = 1 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
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
     * offsets, flip and erasing drawn from {@code key}.
     */
    public void apply(Shape shape, float[] src, int srcOffset, float[] dst, int dstOffset, long key) {
        long z = Seeds.mix64(key);
        int top = (int) Long.remainderUnsigned(z, 2 * pad + 1);
        int left = (int) Long.remainderUnsigned(Seeds.mix64(z), 2 * pad + 1);
        boolean flipped = flip && Seeds.mix64(z ^ 0x5DEECE66DL) < 0;
        apply(shape, src, srcOffset, dst, dstOffset, top, left, flipped);
        if (erase > 0) {
            erase(shape, dst, dstOffset, key);
        }
    }

    /**
     * With probability {@link #erase()}, fills a random rectangle of the image at {@code image[offset..]}
     * with N(0, 1) noise, drawn from {@code key}; as torchvision, no rectangle after 10 that do not fit.
     */
    private void erase(Shape shape, float[] image, int offset, long key) {
        SplittableRandom random = new SplittableRandom(Seeds.mix64(key ^ 0x1B873593CC9E2D51L));
        if (random.nextDouble() >= erase) {
            return;
        }
        int channels = shape.dim(0);
        int h = shape.dim(1);
        int w = shape.dim(2);
        for (int attempt = 0; attempt < ERASE_ATTEMPTS; attempt++) {
            double area = (double) h * w
                    * (ERASE_MIN_AREA + (ERASE_MAX_AREA - ERASE_MIN_AREA) * random.nextDouble());
            double aspect = Math.exp(ERASE_LOG_MIN_ASPECT
                    + (ERASE_LOG_MAX_ASPECT - ERASE_LOG_MIN_ASPECT) * random.nextDouble());
            // Math.rint rounds halves to even, as Python's round.
            int height = (int) Math.rint(Math.sqrt(area * aspect));
            int width = (int) Math.rint(Math.sqrt(area / aspect));
            if (height >= h || width >= w) {
                continue;
            }
            int top = random.nextInt(h - height + 1);
            int left = random.nextInt(w - width + 1);
            for (int c = 0; c < channels; c++) {
                for (int y = top; y < top + height; y++) {
                    int row = offset + (c * h + y) * w;
                    for (int x = left; x < left + width; x++) {
                        image[row + x] = (float) gaussian(random);
                    }
                }
            }
            return;
        }
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
        List<String> parts = new ArrayList<>();
        if (scaleMax > 0) {
            parts.add("shorter side in [" + scaleMin + ", " + scaleMax + "] + random crop");
        }
        if (pad > 0) {
            parts.add("pad " + pad + " " + padding.name().toLowerCase() + " + random crop");
        }
        if (flip) {
            parts.add("random flip");
        }
        if (lighting > 0) {
            parts.add("PCA lighting " + lighting);
        }
        if (erase > 0) {
            parts.add("random erasing " + erase);
        }
        return parts.isEmpty() ? "no augmentation" : String.join(" + ", parts);
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
