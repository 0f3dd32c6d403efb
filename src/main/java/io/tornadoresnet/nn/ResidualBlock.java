package io.tornadoresnet.nn;

import io.tornadoresnet.plan.PlanBuilder;
import io.tornadoresnet.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A residual block (the paper's Figure 2 and Figure 5): a branch of conv/batch-norm/ReLU layers
 * whose output is added to the shortcut before the last ReLU. With {@link Shortcut#NONE} it is
 * the block of the plain network, without the addition.
 */
public final class ResidualBlock implements Layer {
    private final String name;
    private final Sequence branch;
    private final Shortcut shortcut;
    private final int outChannels;
    private final int stride;
    private final boolean changesShape;
    private final Sequence downsample;
    private final Relu relu;

    private ResidualBlock(String name, List<Layer> branch, Shortcut shortcut, int in, int out, int stride) {
        this.name = name;
        this.branch = new Sequence(branch);
        this.shortcut = shortcut;
        this.outChannels = out;
        this.stride = stride;
        this.changesShape = stride != 1 || in != out;
        this.downsample = shortcut == Shortcut.B && changesShape
                ? new Sequence(List.of(new Conv2d(name + ".downsample.0", in, out, 1, stride, 0),
                new BatchNorm2d(name + ".downsample.1", out)))
                : null;
        this.relu = new Relu(name + ".relu_out");
    }

    /** Two 3x3 convolutions (ResNet-18/34 and the CIFAR nets); the first carries the stride. */
    public static ResidualBlock basic(String name, int in, int out, int stride, Shortcut shortcut) {
        return new ResidualBlock(name, List.of(
                new Conv2d(name + ".conv1", in, out, 3, stride, 1),
                new BatchNorm2d(name + ".bn1", out),
                new Relu(name + ".relu1"),
                new Conv2d(name + ".conv2", out, out, 3, 1, 1),
                new BatchNorm2d(name + ".bn2", out)), shortcut, in, out, stride);
    }

    /**
     * 1x1 reduce, 3x3, 1x1 expand to 4x the width (ResNet-50/101/152); the stride sits on the 3x3
     * convolution, as in torchvision.
     */
    public static ResidualBlock bottleneck(String name, int in, int width, int stride, Shortcut shortcut) {
        int out = width * 4;
        return new ResidualBlock(name, List.of(
                new Conv2d(name + ".conv1", in, width, 1, 1, 0),
                new BatchNorm2d(name + ".bn1", width),
                new Relu(name + ".relu1"),
                new Conv2d(name + ".conv2", width, width, 3, stride, 1),
                new BatchNorm2d(name + ".bn2", width),
                new Relu(name + ".relu2"),
                new Conv2d(name + ".conv3", width, out, 1, 1, 0),
                new BatchNorm2d(name + ".bn3", out)), shortcut, in, out, stride);
    }

    public int outChannels() {
        return outChannels;
    }

    @Override
    public Node forward(PlanBuilder b, Tensor x) {
        Node main = branch.forward(b, x);
        if (shortcut == Shortcut.NONE) {
            Node out = relu.forward(b, main.out());
            return new Node(out.out(), (bb, gradOut) -> main.backward().emit(bb, out.backward().emit(bb, gradOut)));
        }
        Node side = !changesShape ? null
                : shortcut == Shortcut.A ? Functional.shortcutA(b, x, outChannels, stride, name + ".shortcut")
                : downsample.forward(b, x);
        Tensor sum = Functional.add(b, main.out(), side == null ? x : side.out(), name + ".add");
        Node out = relu.forward(b, sum);
        return new Node(out.out(), (bb, gradOut) -> {
            Tensor gradSum = out.backward().emit(bb, gradOut);
            Tensor gradMain = main.backward().emit(bb, gradSum);
            Tensor gradSide = side == null ? gradSum : side.backward().emit(bb, gradSum);
            if (!bb.needsGradient(x)) {
                return null;
            }
            return Functional.add(bb, gradMain, gradSide, name + ".gradIn");
        });
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>(branch.parameters());
        if (downsample != null) {
            all.addAll(downsample.parameters());
        }
        return all;
    }

    @Override
    public void stateDict(Map<String, Tensor> into) {
        branch.stateDict(into);
        if (downsample != null) {
            downsample.stateDict(into);
        }
    }
}
