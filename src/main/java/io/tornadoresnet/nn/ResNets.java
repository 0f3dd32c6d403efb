package io.tornadoresnet.nn;

import io.tornadoresnet.tensor.Shape;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds the paper's networks by name: {@code resnet20}, {@code resnet56}, ... any 6n+2 depth (the
 * CIFAR family of section 4.2), {@code resnet18/34/50/101/152} (the ImageNet family of Table 1,
 * torchvision's layout), and {@code plainN}, the same networks without shortcuts.
 */
public final class ResNets {
    private static final Pattern NAME = Pattern.compile("(resnet|plain)(\\d+)");
    /** Far beyond any image a ResNet is trained on (ImageNet's 3x224x224 has 150,528). */
    public static final int MAX_INPUT_ELEMENTS = 1 << 26;

    /** Blocks per stage and block type of Table 1. */
    private record ImageNetLayout(int[] blocks, boolean bottleneck) {}

    private ResNets() {
    }

    /** The paper's CIFAR shortcut is option A; the ImageNet nets use projections (option B). */
    public static ResNet create(String name, Shape imageShape, int classes) {
        return create(name, imageShape, classes, Shortcut.A);
    }

    /**
     * @param shortcut the CIFAR family's shortcut where the shape changes (A or B); the ImageNet
     *                 family always uses projections, as torchvision; ignored for plain nets
     */
    public static ResNet create(String name, Shape imageShape, int classes, Shortcut shortcut) {
        if (imageShape.rank() != 3) {
            throw new IllegalArgumentException("input shape must be CxHxW, got " + imageShape);
        }
        if (classes < 2) {
            throw new IllegalArgumentException("need at least 2 classes, got " + classes);
        }
        if (shortcut == Shortcut.NONE) {
            throw new IllegalArgumentException("ask for a plain network by name (plainN), not by shortcut");
        }
        String canonical = canonicalName(name);
        boolean plain = canonical.startsWith("plain");
        int depth = Integer.parseInt(canonical.substring(plain ? 5 : 6));
        ImageNetLayout layout = imageNetLayout(depth);
        if (layout != null) {
            return imageNet(canonical, imageShape, classes, layout, plain ? Shortcut.NONE : Shortcut.B);
        }
        return cifar(canonical, imageShape, classes, (depth - 2) / 6, plain ? Shortcut.NONE : shortcut);
    }

    /**
     * The name a model is built and saved under ({@code ResNet56} gives {@code resnet56}).
     *
     * @throws IllegalArgumentException naming the model families when no network has this name
     */
    public static String canonicalName(String name) {
        Matcher m = NAME.matcher(name.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException(unknown(name));
        }
        int depth;
        try {
            depth = Integer.parseInt(m.group(2));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(unknown(name));
        }
        if (imageNetLayout(depth) == null && (depth < 8 || (depth - 2) % 6 != 0)) {
            throw new IllegalArgumentException(unknown(name));
        }
        return m.group(1) + depth;
    }

    /**
     * Reads an input shape of the command-line form {@code CxHxW}, e.g. {@code 3x32x32}.
     *
     * @throws IllegalArgumentException saying what is wrong (the caller names the text)
     */
    public static Shape parseInput(String text) {
        String[] parts = text.trim().split("[xX]", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException("not an image shape CxHxW like 3x32x32");
        }
        int[] dims = new int[3];
        for (int i = 0; i < 3; i++) {
            try {
                dims[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not an image shape CxHxW like 3x32x32");
            }
            if (dims[i] <= 0) {
                throw new IllegalArgumentException("every size must be positive");
            }
        }
        if ((double) dims[0] * dims[1] * dims[2] > MAX_INPUT_ELEMENTS) {
            throw new IllegalArgumentException("more than " + MAX_INPUT_ELEMENTS + " values per image");
        }
        return Shape.of(dims);
    }

    private static String unknown(String name) {
        return "unknown model '" + name + "': use resnet/plain with a CIFAR depth 6n+2 (8, 20, 32, 44, 56, 110,"
                + " 1202, ...) or an ImageNet depth (18, 34, 50, 101, 152)";
    }

    private static ImageNetLayout imageNetLayout(int depth) {
        return switch (depth) {
            case 18 -> new ImageNetLayout(new int[] {2, 2, 2, 2}, false);
            case 34 -> new ImageNetLayout(new int[] {3, 4, 6, 3}, false);
            case 50 -> new ImageNetLayout(new int[] {3, 4, 6, 3}, true);
            case 101 -> new ImageNetLayout(new int[] {3, 4, 23, 3}, true);
            case 152 -> new ImageNetLayout(new int[] {3, 8, 36, 3}, true);
            default -> null;
        };
    }

    /** Section 4.2: 3x3 conv of 16, then three stages of n blocks with 16, 32, 64 filters. */
    private static ResNet cifar(String name, Shape image, int classes, int n, Shortcut shortcut) {
        Sequence stem = new Sequence(List.of(
                new Conv2d("conv1", image.dim(0), 16, 3, 1, 1),
                new BatchNorm2d("bn1", 16),
                new Relu("relu")));
        List<Sequence> stages = new ArrayList<>();
        int in = 16;
        int[] widths = {16, 32, 64};
        for (int s = 0; s < widths.length; s++) {
            List<ResidualBlock> blocks = new ArrayList<>();
            for (int j = 0; j < n; j++) {
                int stride = s > 0 && j == 0 ? 2 : 1;
                blocks.add(ResidualBlock.basic("layer" + (s + 1) + "." + j, in, widths[s], stride, shortcut));
                in = widths[s];
            }
            stages.add(new Sequence(blocks));
        }
        return new ResNet(name, image, classes, shortcut, stem, stages, new Linear("fc", in, classes));
    }

    /** Table 1: 7x7/2 conv of 64, 3x3/2 max-pool, four stages of 64..512 (x4 for bottlenecks). */
    private static ResNet imageNet(String name, Shape image, int classes, ImageNetLayout layout, Shortcut shortcut) {
        Sequence stem = new Sequence(List.of(
                new Conv2d("conv1", image.dim(0), 64, 7, 2, 3),
                new BatchNorm2d("bn1", 64),
                new Relu("relu"),
                new MaxPool2d("maxpool", 3, 2, 1)));
        List<Sequence> stages = new ArrayList<>();
        int in = 64;
        int[] widths = {64, 128, 256, 512};
        for (int s = 0; s < widths.length; s++) {
            List<ResidualBlock> blocks = new ArrayList<>();
            for (int j = 0; j < layout.blocks()[s]; j++) {
                int stride = s > 0 && j == 0 ? 2 : 1;
                String block = "layer" + (s + 1) + "." + j;
                ResidualBlock rb = layout.bottleneck()
                        ? ResidualBlock.bottleneck(block, in, widths[s], stride, shortcut)
                        : ResidualBlock.basic(block, in, widths[s], stride, shortcut);
                blocks.add(rb);
                in = rb.outChannels();
            }
            stages.add(new Sequence(blocks));
        }
        return new ResNet(name, image, classes, shortcut, stem, stages, new Linear("fc", in, classes));
    }
}
