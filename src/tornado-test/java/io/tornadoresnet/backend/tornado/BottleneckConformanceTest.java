package io.tornadoresnet.backend.tornado;

import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.Sgd;
import io.tornadoresnet.nn.TestNets;

/**
 * A small bottleneck ResNet (ImageNet stem with max-pool, projection shortcuts, see
 * {@link TestNets#tinyBottleneck}), batch 4 of 3x16x16, Nesterov SGD.
 */
class BottleneckConformanceTest extends NetworkConformance {
    @Override
    ResNet model() {
        return TestNets.tinyBottleneck(10);
    }

    @Override
    int batch() {
        return 4;
    }

    @Override
    Sgd sgd() {
        return new Sgd(0.9f, 5e-4f, true);
    }
}
