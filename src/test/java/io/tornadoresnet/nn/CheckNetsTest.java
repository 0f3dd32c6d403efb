package io.tornadoresnet.nn;

import io.tornadoresnet.plan.KernelCall;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.plan.Stage;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckNetsTest {

    @Test
    void wideBottleneckHasResNet50sFirstLayers() {
        ResNet net = CheckNets.wideBottleneck(10);
        long stem = 7 * 7 * 3 * 64 + 2 * 64;
        long layer1 = 64 * 64 + 9 * 64 * 64 + 64 * 256 + 64 * 256 + 2 * (64 + 64 + 256 + 256);
        long layer2 = 256 * 128 + 9 * 128 * 128 + 128 * 512 + 256 * 512 + 2 * (128 + 128 + 512 + 512);
        assertEquals(stem + layer1 + layer2 + 512 * 10 + 10, net.parameterCount());
    }

    @Test
    void wideBottlenecksStagesRunAtTenAndFivePixels() {
        Set<Shape> shapes = new HashSet<>();
        for (Stage stage : CheckNets.wideBottleneck(10).compileInference(2).stages()) {
            for (Op op : stage.ops()) {
                for (KernelCall call : op.lower(Tensor::new)) {
                    for (Object arg : call.args()) {
                        if (arg instanceof Tensor t) {
                            shapes.add(t.shape());
                        }
                    }
                }
            }
        }
        assertTrue(shapes.contains(Shape.of(2, 64, 20, 20)), "stem conv output");
        assertTrue(shapes.contains(Shape.of(2, 256, 10, 10)), "layer1 output");
        assertTrue(shapes.contains(Shape.of(2, 512, 5, 5)), "layer2 output");
    }
}
