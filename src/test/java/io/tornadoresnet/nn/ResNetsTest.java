package io.tornadoresnet.nn;

import io.tornadoresnet.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Names and input shapes as the command line gives them. */
class ResNetsTest {

    @ParameterizedTest
    @CsvSource({"ResNet56, resnet56", "resnet8, resnet8", "PLAIN110, plain110", "resnet1202, resnet1202",
            "resnet50, resnet50", "plain18, plain18"})
    void canonicalNamesAreLowerCase(String given, String canonical) {
        assertEquals(canonical, ResNets.canonicalName(given));
        assertEquals(canonical, ResNets.create(given, Shape.of(1, 8, 8), 10).name());
    }

    @ParameterizedTest
    @ValueSource(strings = {"resnet7", "resnet2", "resnet21", "resnet", "vgg16", "resnet99999999999", "plain-20", ""})
    void unknownNamesAreRefusedWithTheFamilies(String name) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ResNets.canonicalName(name));
        assertTrue(e.getMessage().startsWith("unknown model '" + name + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("6n+2"), e.getMessage());
    }

    @Test
    void inputShapesParse() {
        assertEquals(Shape.of(3, 32, 32), ResNets.parseInput("3x32x32"));
        assertEquals(Shape.of(1, 28, 28), ResNets.parseInput(" 1X28x28 "));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "3x32       | not an image shape CxHxW",
            "3x32x32x1  | not an image shape CxHxW",
            "axbxc      | not an image shape CxHxW",
            "3x32x      | not an image shape CxHxW",
            "3*32*32    | not an image shape CxHxW",
            "0x32x32    | every size must be positive",
            "3x-1x32    | every size must be positive",
            "3x99999x99999 | more than 67108864 values per image",
            "99999999999x1x1 | not an image shape CxHxW",
    })
    void badInputShapesSayWhatIsWrong(String text, String problem) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ResNets.parseInput(text));
        assertEquals(problem, e.getMessage().substring(0, problem.length()), e.getMessage());
    }
}
