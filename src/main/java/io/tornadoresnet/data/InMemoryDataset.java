package io.tornadoresnet.data;

import io.tornadoresnet.tensor.Shape;
import java.util.List;
import java.util.Objects;

/**
 * Images held as one byte per pixel value (N*C*H*W bytes, CHW per image) with int labels.
 * Fashion-MNIST's 60000 training images take 47 MB, CIFAR-10's 50000 take 154 MB.
 */
public final class InMemoryDataset implements Dataset {
    private final String source;
    private final Shape shape;
    private final int imageSize;
    private final List<String> classNames;
    private final byte[] pixels;
    private final int[] labels;

    /**
     * @param source where the data came from, for messages (e.g. "cifar10 test from /data/cifar")
     * @param pixels labels.length images of {@code shape} (CHW), one unsigned byte per value
     */
    public InMemoryDataset(String source, Shape shape, List<String> classNames, byte[] pixels, int[] labels) {
        if (shape.rank() != 3) {
            throw new IllegalArgumentException(source + ": image shape must be CxHxW, not " + shape);
        }
        this.source = source;
        this.shape = shape;
        this.imageSize = shape.size();
        this.classNames = List.copyOf(classNames);
        this.pixels = Objects.requireNonNull(pixels);
        this.labels = Objects.requireNonNull(labels);
        if ((long) labels.length * imageSize != pixels.length) {
            throw new IllegalArgumentException(source + ": " + pixels.length + " pixel bytes do not make "
                    + labels.length + " images of " + shape);
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= this.classNames.size()) {
                throw new IllegalArgumentException(source + ": label " + labels[i] + " of image " + i
                        + " is outside 0.." + (this.classNames.size() - 1));
            }
        }
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
        Objects.checkIndex(i, labels.length);
        Pixels.toUnit(pixels, i * imageSize, dst, offset, imageSize);
    }

    @Override
    public String toString() {
        return source + " (" + size() + " images of " + shape + ", " + numClasses() + " classes)";
    }
}
