package io.tornadoresnet.benchmarks;

import java.util.Random;

/** The convolutions benchmarked, by name: ResNet-20's (CIFAR, batch 128) and a few of ResNet-50's. */
record ConvShape(int n, int c, int h, int w, int k, int kh, int kw, int stride, int pad) {

    static ConvShape named(String name) {
        return switch (name) {
            // ResNet-20 (He et al. 2016, section 4.2): 3x3 convolutions of 16, 32, 64 channels at 32, 16, 8 pixels.
            case "r20-stem" -> new ConvShape(128, 3, 32, 32, 16, 3, 3, 1, 1);
            case "r20-stage1" -> new ConvShape(128, 16, 32, 32, 16, 3, 3, 1, 1);
            case "r20-stage2" -> new ConvShape(128, 32, 16, 16, 32, 3, 3, 1, 1);
            case "r20-stage3" -> new ConvShape(128, 64, 8, 8, 64, 3, 3, 1, 1);
            case "r20-down2" -> new ConvShape(128, 16, 32, 32, 32, 3, 3, 2, 1);
            case "r20-down3" -> new ConvShape(128, 32, 16, 16, 64, 3, 3, 2, 1);
            // ResNet-20 on 1x28x28 (Fashion-MNIST): its stages see 28x28, 14x14 and 7x7 pixels.
            case "r20-28-stage1" -> new ConvShape(128, 16, 28, 28, 16, 3, 3, 1, 1);
            case "r20-28-stage2" -> new ConvShape(128, 32, 14, 14, 32, 3, 3, 1, 1);
            case "r20-28-stage3" -> new ConvShape(128, 64, 7, 7, 64, 3, 3, 1, 1);
            // ResNet-50 at 224 pixels, batch 16: the stem, a conv2_x bottleneck's 1x1 and 3x3, a strided 3x3.
            case "r50-stem" -> new ConvShape(16, 3, 224, 224, 64, 7, 7, 2, 3);
            case "r50-1x1" -> new ConvShape(16, 256, 56, 56, 64, 1, 1, 1, 0);
            case "r50-3x3" -> new ConvShape(16, 64, 56, 56, 64, 3, 3, 1, 1);
            case "r50-3x3s2" -> new ConvShape(16, 128, 56, 56, 128, 3, 3, 2, 1);
            default -> throw new IllegalArgumentException("unknown convolution " + name);
        };
    }

    int oh() {
        return (h + 2 * pad - kh) / stride + 1;
    }

    int ow() {
        return (w + 2 * pad - kw) / stride + 1;
    }

    /** Floating-point operations of one pass (forward, input gradient and weight gradient alike). */
    double flops() {
        return 2.0 * n * k * c * kh * kw * oh() * ow();
    }

    int inputSize() {
        return n * c * h * w;
    }

    int weightSize() {
        return k * c * kh * kw;
    }

    int outputSize() {
        return n * k * oh() * ow();
    }

    static float[] random(int size, long seed) {
        Random random = new Random(seed);
        float[] x = new float[size];
        for (int i = 0; i < size; i++) {
            x[i] = random.nextFloat() * 2f - 1f;
        }
        return x;
    }
}
