package io.tornadoresnet.data;

import io.tornadoresnet.tensor.Shape;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A learnable synthetic task for trying the whole pipeline without data on disk: each class is a
 * fixed random template image, and each sample is its class's template plus noise. Values lie in
 * [0,1] like decoded pixels; the same seed gives the same data.
 */
public final class SyntheticDataset implements Dataset {
    private final Shape shape;
    private final int[] labels;
    private final float[][] templates;
    private final long seed;
    private final float noise;
    private final List<String> classNames;

    public SyntheticDataset(Shape shape, int classes, int size, float noise, long seed) {
        if (classes < 2 || size <= 0) {
            throw new IllegalArgumentException("need at least 2 classes and 1 sample");
        }
        this.shape = shape;
        this.seed = seed;
        this.noise = noise;
        Random random = new Random(seed);
        this.templates = new float[classes][shape.size()];
        for (float[] t : templates) {
            for (int i = 0; i < t.length; i++) {
                t[i] = random.nextFloat();
            }
        }
        this.labels = new int[size];
        for (int i = 0; i < size; i++) {
            labels[i] = random.nextInt(classes);
        }
        List<String> names = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            names.add("class" + c);
        }
        this.classNames = List.copyOf(names);
    }

    @Override
    public int size() {
        return labels.length;
    }

    @Override
    public Shape imageShape() {
        return shape;
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public int label(int i) {
        return labels[i];
    }

    @Override
    public void image(int i, float[] dst, int offset) {
        Random random = new Random(seed * 31 + i);
        float[] t = templates[labels[i]];
        for (int j = 0; j < t.length; j++) {
            float v = t[j] + noise * (float) random.nextGaussian();
            dst[offset + j] = Math.min(1f, Math.max(0f, v));
        }
    }

    @Override
    public String toString() {
        return "synthetic " + shape + " x " + size() + " (" + templates.length + " classes)";
    }
}
