package io.tornadoresnet.nn;

import io.tornadoresnet.tensor.Shape;

import java.util.List;

/**
 * Small networks for the conformance checks, built from the same layers as the paper's
 * nets (this class sits in package nn for ResNet's package-private constructor).
 */
public final class CheckNets {
    private CheckNets() {
    }

    /**
     * A bottleneck ResNet small enough to compile quickly on a CPU OpenCL device: the ImageNet stem
     * (conv, bn, relu, 3x3/2 max-pool), two stages of one bottleneck block each with projection
     * shortcuts (the second with stride 2), global average pool and fc. Input 3x16x16.
     */
    public static ResNet tinyBottleneck(int classes) {
        return twoBottleneckStages("tiny-bottleneck", Shape.of(3, 16, 16), new Conv2d("conv1", 3, 16, 3, 1, 1), 8,
                classes);
    }

    /**
     * ResNet-50's stem (7x7/2 conv to 64 channels, bn, relu, 3x3/2 max-pool) and its first two
     * stages' channel counts, one bottleneck block each (64 to 256 channels, then 128 wide to 512 with
     * stride 2, projection shortcuts), on 3x40x40 images: the stages run at 10x10 and 5x5, sizes no
     * power of two divides. Small enough to compile on a CPU OpenCL device.
     */
    public static ResNet wideBottleneck(int classes) {
        return twoBottleneckStages("wide-bottleneck", Shape.of(3, 40, 40), new Conv2d("conv1", 3, 64, 7, 2, 3), 64,
                classes);
    }

    /**
     * The stem conv, then bn, relu and a 3x3/2 max-pool; one bottleneck block {@code width} wide, then
     * one twice as wide with stride 2, both with projection shortcuts; global average pool and fc.
     */
    private static ResNet twoBottleneckStages(String name, Shape input, Conv2d conv1, int width, int classes) {
        int stemChannels = conv1.outChannels();
        Sequence stem = new Sequence(List.of(
                conv1,
                new BatchNorm2d("bn1", stemChannels),
                new Relu("relu"),
                new MaxPool2d("maxpool", 3, 2, 1)));
        ResidualBlock first = ResidualBlock.bottleneck("layer1.0", stemChannels, width, 1, Shortcut.B);
        ResidualBlock second = ResidualBlock.bottleneck("layer2.0", first.outChannels(), 2 * width, 2, Shortcut.B);
        return new ResNet(name, input, classes, Shortcut.B, stem,
                List.of(new Sequence(List.of(first)), new Sequence(List.of(second))),
                new Linear("fc", second.outChannels(), classes));
    }
}
