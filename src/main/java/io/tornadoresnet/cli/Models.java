package io.tornadoresnet.cli;

import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.nn.Shortcut;
import io.tornadoresnet.tensor.Shape;

import java.util.Locale;

/** Reads the model options shared by the commands. */
final class Models {
    private Models() {
    }

    /** --model, --input, --classes, --shortcut; the defaults of a recipe where one is given. */
    static ResNet fromArgs(Args args, String defaultModel) {
        String name = args.string("model", defaultModel);
        if (name == null) {
            throw new Args.UsageException("--model is required (e.g. resnet20, resnet50, plain56)");
        }
        String input = args.string("input", null);
        boolean imageNet = name.matches("(?i)(resnet|plain)(18|34|50|101|152)");
        Shape shape = Shape.parse(input != null ? input : imageNet ? "3x224x224" : "3x32x32");
        int classes = args.positiveInteger("classes", imageNet ? 1000 : 10);
        return ResNets.create(name, shape, classes, shortcut(args.string("shortcut", "A")));
    }

    static Shortcut shortcut(String text) {
        return switch (text.toUpperCase(Locale.ROOT)) {
            case "A" -> Shortcut.A;
            case "B" -> Shortcut.B;
            default -> throw new Args.UsageException("--shortcut takes A or B, got '" + text + "'");
        };
    }
}
