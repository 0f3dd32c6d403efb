package io.tornadoresnet.cli;

import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.nn.Shortcut;
import io.tornadoresnet.tensor.Shape;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

import java.util.Locale;

/** --model, --input, --classes, --shortcut: a network built from the command line (bench and info). */
final class ModelOptions {
    static final int MAX_CLASSES = 1_000_000;

    @Spec(Spec.Target.MIXEE)
    private CommandSpec spec;

    @Option(names = "--model", paramLabel = "NAME", defaultValue = "resnet20", converter = ModelName.class,
            description = "resnetN or plainN: N = 6n+2 (20, 32, 44, 56, 110, ...) for the CIFAR family, "
                    + "18, 34, 50, 101 or 152 for the ImageNet family (default: ${DEFAULT-VALUE}).")
    private String model;

    @Option(names = "--input", paramLabel = "CxHxW", converter = InputShape.class,
            description = "Image shape (default: 3x224x224 for the ImageNet family, else 3x32x32).")
    private Shape input;

    @Option(names = "--classes", paramLabel = "K",
            description = "Output classes (default: 1000 for the ImageNet family, else 10).")
    private Integer classes;

    @Option(names = "--shortcut", paramLabel = "A|B", defaultValue = "A", converter = ShortcutOption.class,
            description = "CIFAR family's shortcut where the shape changes: A (zero-padded identity) or "
                    + "B (projection) (default: ${DEFAULT-VALUE}).")
    private Shortcut shortcut;

    ResNet build() {
        boolean imageNet = model.matches("(resnet|plain)(18|34|50|101|152)");
        Shape shape = input != null ? input : imageNet ? Shape.of(3, 224, 224) : Shape.of(3, 32, 32);
        int k = classes != null ? Usage.range(spec, "--classes", classes, 2, MAX_CLASSES) : imageNet ? 1000 : 10;
        return ResNets.create(model, shape, k, shortcut);
    }

    /** A model name, checked before anything is built. */
    static final class ModelName implements ITypeConverter<String> {
        @Override
        public String convert(String value) {
            try {
                return ResNets.canonicalName(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    /** A CxHxW image shape. */
    static final class InputShape implements ITypeConverter<Shape> {
        @Override
        public Shape convert(String value) {
            try {
                return ResNets.parseInput(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException("'" + value + "': " + e.getMessage());
            }
        }
    }

    /** A or B, either case. */
    static final class ShortcutOption implements ITypeConverter<Shortcut> {
        @Override
        public Shortcut convert(String value) {
            return switch (value.toUpperCase(Locale.ROOT)) {
                case "A" -> Shortcut.A;
                case "B" -> Shortcut.B;
                default -> throw new TypeConversionException("'" + value + "' is not A or B");
            };
        }
    }
}
