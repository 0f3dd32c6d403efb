package io.tornadoresnet.data;

import io.tornadoresnet.tensor.Shape;
import java.util.Arrays;

/**
 * Input normalisation {@code x' = (x - mean) / std}, applied in place to images of [0,1] floats.
 * Either the paper's per-pixel mean subtraction (a mean image, std 1) or per-channel mean and
 * standard deviation; both computed from a training set, or restored from saved values with
 * {@link #of} so that prediction normalises exactly as training did.
 */
public final class Normalization {

    public enum Kind {
        /** Leave pixels in [0,1]. */
        NONE,
        /** Subtract the mean image of the training set (He et al. 2016, section 4.2). */
        PIXEL_MEAN,
        /** Subtract each channel's mean and divide by its standard deviation. */
        CHANNEL_MEAN_STD
    }

    private static final Normalization NONE = new Normalization(Kind.NONE, null, new float[0], new float[0]);

    private final Kind kind;
    private final Shape shape;
    private final float[] mean;
    private final float[] std;
    private final float[] elementMean;
    private final float[] elementScale;

    private Normalization(Kind kind, Shape shape, float[] mean, float[] std) {
        this.kind = kind;
        this.shape = shape;
        this.mean = mean;
        this.std = std;
        int size = shape == null ? 0 : shape.size();
        int plane = shape == null ? 1 : shape.dim(1) * shape.dim(2);
        this.elementMean = new float[size];
        this.elementScale = new float[size];
        for (int j = 0; j < size; j++) {
            elementMean[j] = kind == Kind.PIXEL_MEAN ? mean[j] : mean[j / plane];
            elementScale[j] = kind == Kind.PIXEL_MEAN ? 1f : 1f / std[j / plane];
        }
    }

    public static Normalization none() {
        return NONE;
    }

    /** Computes the statistics of {@code kind} over every image of {@code train}. */
    public static Normalization compute(Kind kind, Dataset train) {
        return switch (kind) {
            case NONE -> NONE;
            case PIXEL_MEAN -> pixelMean(train);
            case CHANNEL_MEAN_STD -> channelMeanStd(train);
        };
    }

    /** The mean image of {@code train} (of an evenly spaced sample of a streaming image data set). */
    public static Normalization pixelMean(Dataset train) {
        Shape shape = train.imageShape();
        int size = shape.size();
        double[] sum = new double[size];
        long count = forEachImage(train, (images, offset) -> {
            for (int j = 0; j < size; j++) {
                sum[j] += images[offset + j];
            }
        });
        float[] mean = new float[size];
        for (int j = 0; j < size; j++) {
            mean[j] = (float) (sum[j] / count);
        }
        return new Normalization(Kind.PIXEL_MEAN, shape, mean, new float[0]);
    }

    /**
     * Each channel's mean and (population) standard deviation over all pixels of {@code train}
     * (of an evenly spaced sample of a streaming image data set).
     */
    public static Normalization channelMeanStd(Dataset train) {
        Shape shape = train.imageShape();
        int channels = shape.dim(0);
        int plane = shape.dim(1) * shape.dim(2);
        double[] sum = new double[channels];
        double[] squares = new double[channels];
        long images = forEachImage(train, (image, offset) -> {
            for (int c = 0; c < channels; c++) {
                double s = 0;
                double q = 0;
                for (int j = offset + c * plane; j < offset + (c + 1) * plane; j++) {
                    s += image[j];
                    q += (double) image[j] * image[j];
                }
                sum[c] += s;
                squares[c] += q;
            }
        });
        double count = (double) images * plane;
        float[] mean = new float[channels];
        float[] std = new float[channels];
        for (int c = 0; c < channels; c++) {
            double m = sum[c] / count;
            mean[c] = (float) m;
            std[c] = (float) Math.sqrt(Math.max(squares[c] / count - m * m, 1e-12));
        }
        return new Normalization(Kind.CHANNEL_MEAN_STD, shape, mean, std);
    }

    private interface ImageVisitor {
        void visit(float[] images, int offset);
    }

    /** Visits the images statistics are computed from, in order, leaving out files that could not be decoded. */
    private static long forEachImage(Dataset train, ImageVisitor visitor) {
        int size = train.imageShape().size();
        long count = 0;
        try (DataLoader loader = train instanceof StreamingImages s ? s.statisticsLoader()
                : new BatchLoader(train, 256, BatchLoader.Options.evaluation(NONE).withBackground(false))) {
            loader.startEpoch(0);
            for (Batch b; (b = loader.next()) != null; ) {
                for (int r = 0; r < b.count(); r++) {
                    if (b.labels()[r] >= 0) {
                        visitor.visit(b.images(), r * size);
                        count++;
                    }
                }
            }
        }
        if (count == 0) {
            throw new IllegalArgumentException("no image of " + train + " could be read to compute its statistics");
        }
        return count;
    }

    /**
     * Restores saved statistics: for PIXEL_MEAN a mean image of {@code shape.size()} values and an
     * empty std, for CHANNEL_MEAN_STD C means and C standard deviations.
     */
    public static Normalization of(Kind kind, Shape shape, float[] mean, float[] std) {
        if (kind == Kind.NONE) {
            return NONE;
        }
        int expected = kind == Kind.PIXEL_MEAN ? shape.size() : shape.dim(0);
        int expectedStd = kind == Kind.PIXEL_MEAN ? 0 : shape.dim(0);
        if (shape.rank() != 3 || mean.length != expected || std.length != expectedStd) {
            throw new IllegalArgumentException(kind + " for " + shape + " needs " + expected + " means and "
                    + expectedStd + " standard deviations, not " + mean.length + " and " + std.length);
        }
        for (float s : std) {
            if (!(s > 0)) {
                throw new IllegalArgumentException("standard deviations must be positive: " + Arrays.toString(std));
            }
        }
        return new Normalization(kind, shape, mean.clone(), std.clone());
    }

    public Kind kind() {
        return kind;
    }

    /** The mean image (PIXEL_MEAN) or the C channel means (CHANNEL_MEAN_STD); empty for NONE. */
    public float[] mean() {
        return mean.clone();
    }

    /** The C channel standard deviations (CHANNEL_MEAN_STD); empty otherwise. */
    public float[] std() {
        return std.clone();
    }

    /** Normalises {@code count} consecutive CHW images starting at {@code images[offset]}, in place. */
    public void apply(float[] images, int offset, int count) {
        if (kind == Kind.NONE) {
            return;
        }
        int size = elementMean.length;
        for (int i = 0; i < count; i++) {
            int base = offset + i * size;
            for (int j = 0; j < size; j++) {
                images[base + j] = (images[base + j] - elementMean[j]) * elementScale[j];
            }
        }
    }

    /**
     * This normalisation for images of another size: the same one for per-channel statistics; for a
     * mean image, the mean of each of its channels (the per-pixel mean has no value at other sizes).
     */
    public Normalization forShape(Shape imageShape) {
        if (kind == Kind.NONE || shape.equals(imageShape)) {
            return this;
        }
        if (kind == Kind.CHANNEL_MEAN_STD) {
            return new Normalization(kind, imageShape, mean, std);
        }
        int channels = shape.dim(0);
        int plane = shape.dim(1) * shape.dim(2);
        float[] channelMean = new float[channels];
        float[] ones = new float[channels];
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            for (int j = c * plane; j < (c + 1) * plane; j++) {
                sum += mean[j];
            }
            channelMean[c] = (float) (sum / plane);
            ones[c] = 1f;
        }
        return new Normalization(Kind.CHANNEL_MEAN_STD, imageShape, channelMean, ones);
    }

    /** Fails unless this normalisation fits images of {@code imageShape}. */
    public void checkShape(Shape imageShape) {
        if (kind != Kind.NONE && !shape.equals(imageShape)) {
            throw new IllegalArgumentException(kind + " normalisation computed for " + shape
                    + " images cannot apply to " + imageShape);
        }
    }

    @Override
    public String toString() {
        return switch (kind) {
            case NONE -> "no normalisation";
            case PIXEL_MEAN -> "per-pixel mean of " + shape + " images";
            case CHANNEL_MEAN_STD -> "per-channel mean " + Arrays.toString(mean) + " std " + Arrays.toString(std);
        };
    }
}
