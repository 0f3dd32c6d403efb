package io.tornadoresnet.nn;

import io.tornadoresnet.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ParameterCountTest {

    @ParameterizedTest(name = "{0} on 3x32x32: {1}")
    @CsvSource({"resnet20, 269722", "resnet32, 464154", "resnet44, 658586", "resnet56, 853018", "resnet110, 1727962"})
    void cifarFamilyMatchesThePaperWithOptionA(String name, long params) {
        assertEquals(params, ResNets.create(name, Shape.of(3, 32, 32), 10).parameterCount());
    }

    @ParameterizedTest(name = "{0} on 3x224x224: {1}")
    @CsvSource({"resnet18, 11689512", "resnet34, 21797672", "resnet50, 25557032", "resnet101, 44549160",
            "resnet152, 60192808"})
    void imageNetFamilyMatchesTorchvision(String name, long params) {
        assertEquals(params, ResNets.create(name, Shape.of(3, 224, 224), 1000).parameterCount());
    }

    @Test
    void optionBAddsProjectionsOnlyWhereTheShapeChanges() {
        long a = ResNets.create("resnet20", Shape.of(3, 32, 32), 10, Shortcut.A).parameterCount();
        long b = ResNets.create("resnet20", Shape.of(3, 32, 32), 10, Shortcut.B).parameterCount();
        // two projections: 16->32 and 32->64, each a 1x1 conv plus batch-norm weight and bias
        assertEquals(a + 16 * 32 + 2 * 32 + 32 * 64 + 2 * 64, b);
    }

    @Test
    void plainNetsHaveTheSameParametersAsOptionA() {
        assertEquals(ResNets.create("resnet56", Shape.of(1, 28, 28), 10).parameterCount(),
                ResNets.create("plain56", Shape.of(1, 28, 28), 10).parameterCount());
        long projections = (64 * 128 + 2 * 128) + (128 * 256 + 2 * 256) + (256 * 512 + 2 * 512);
        assertEquals(ResNets.create("resnet34", Shape.of(3, 224, 224), 1000).parameterCount() - projections,
                ResNets.create("plain34", Shape.of(3, 224, 224), 1000).parameterCount(),
                "plain34 lacks the three projection shortcuts");
    }

    @Test
    void inputChannelsAndClassesChangeOnlyTheFirstAndLastLayers() {
        long rgb = ResNets.create("resnet20", Shape.of(3, 32, 32), 10).parameterCount();
        long gray = ResNets.create("resnet20", Shape.of(1, 28, 28), 100).parameterCount();
        assertEquals(rgb - 2 * 16 * 9 + 90 * 64 + 90, gray);
    }

    @Test
    void stateDictUsesPyTorchNames() {
        var dict = ResNets.create("resnet50", Shape.of(3, 64, 64), 7).stateDict();
        assertTrue(dict.containsKey("conv1.weight"));
        assertTrue(dict.containsKey("bn1.running_var"));
        assertTrue(dict.containsKey("layer1.0.downsample.0.weight"));
        assertTrue(dict.containsKey("layer4.2.bn3.bias"));
        assertEquals(Shape.of(7, 2048), dict.get("fc.weight").shape());
        var cifar = ResNets.create("resnet20", Shape.of(3, 32, 32), 10).stateDict();
        assertEquals(Shape.of(64, 64, 3, 3), cifar.get("layer3.2.conv2.weight").shape());
        assertTrue(cifar.keySet().stream().noneMatch(k -> k.contains("downsample")));
    }

    @Test
    void unknownNamesAreRejectedWithTheChoices() {
        var e = assertThrows(IllegalArgumentException.class, () -> ResNets.create("resnet21", Shape.of(3, 32, 32), 10));
        assertTrue(e.getMessage().contains("6n+2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ResNets.create("vgg16", Shape.of(3, 32, 32), 10));
        assertThrows(IllegalArgumentException.class, () -> ResNets.create("resnet20", Shape.of(32, 32), 10));
    }

    @Test
    void multiplyAddsOfResNet50MatchTheUsualFigure() {
        long macs = ResNets.create("resnet50", Shape.of(3, 224, 224), 1000).macs();
        // torchvision's ResNet-50 is quoted at 4.09 GMACs (convolutions and fc)
        assertTrue(Math.abs(macs - 4.09e9) < 0.02e9, "macs " + macs);
    }
}
