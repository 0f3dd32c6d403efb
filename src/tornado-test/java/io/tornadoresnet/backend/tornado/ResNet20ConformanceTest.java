package io.tornadoresnet.backend.tornado;

import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.nn.Sgd;
import io.tornadoresnet.tensor.Shape;

/** ResNet-20 (the paper's CIFAR net, option-A shortcuts), batch 8 of 3x32x32, SGD as in the paper. */
class ResNet20ConformanceTest extends NetworkConformance {
    @Override
    ResNet model() {
        return ResNets.create("resnet20", Shape.of(3, 32, 32), 10);
    }

    @Override
    int batch() {
        return 8;
    }

    @Override
    Sgd sgd() {
        return Sgd.PAPER;
    }
}
