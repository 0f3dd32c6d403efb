package io.tornadoresnet.data;

import io.tornadoresnet.tensor.Shape;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A learnable synthetic task for trying the whole pipeline without data on disk: each class is a
 * fixed random template image, and each sample is its class's template plus noise, stored as
 * 8-bit pixels like decoded images. The same seed gives the same data.
 */
public final class SyntheticData {
    private SyntheticData() {
    }

    public static InMemoryDataset generate(Shape shape, int classes, int size, float noise, long seed) {
        if (classes < 2 || size <= 0) {
            throw new IllegalArgumentException("need at least 2 classes and 1 sample");
        }
        Random random = new Random(seed);
        int imageSize = shape.size();
        float[][] templates = new float[classes][imageSize];
        for (float[] t : templates) {
            for (int i = 0; i < t.length; i++) {
                t[i] = random.nextFloat();
            }
        }
        int[] labels = new int[size];
        byte[] pixels = new byte[size * imageSize];
        for (int s = 0; s < size; s++) {
            labels[s] = random.nextInt(classes);
            float[] t = templates[labels[s]];
            for (int j = 0; j < imageSize; j++) {
                float v = Math.min(1f, Math.max(0f, t[j] + noise * (float) random.nextGaussian()));
                pixels[s * imageSize + j] = (byte) Math.round(v * 255);
            }
        }
        List<String> names = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            names.add("class" + c);
        }
        return new InMemoryDataset("synthetic " + shape + " (" + classes + " classes)", shape, names, pixels, labels);
    }
}
