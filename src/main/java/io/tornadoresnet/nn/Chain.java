package io.tornadoresnet.nn;

import io.tornadoresnet.plan.PlanBuilder;
import io.tornadoresnet.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/** Layers applied one after another: remembers their nodes to emit the backward pass in reverse. */
final class Chain {
    private final List<Node> nodes = new ArrayList<>();

    /** Records a node and returns its output, for the next layer. */
    Tensor then(Node node) {
        nodes.add(node);
        return node.out();
    }

    /** Emits the backward ops of every recorded node, last first; returns the input's gradient. */
    Tensor backward(PlanBuilder b, Tensor gradOut) {
        Tensor grad = gradOut;
        for (int i = nodes.size() - 1; i >= 0 && grad != null; i--) {
            grad = nodes.get(i).backward().emit(b, grad);
        }
        return grad;
    }
}
