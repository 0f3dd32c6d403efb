package io.tornadoresnet.nn;

import io.tornadoresnet.plan.PlanBuilder;
import io.tornadoresnet.tensor.Tensor;

import java.util.List;
import java.util.Map;

/** A piece of a network that emits its ops into a plan. */
public interface Layer {

    /** Emits the forward ops for input x (training or inference, as the builder says). */
    Node forward(PlanBuilder b, Tensor x);

    List<Parameter> parameters();

    /** Adds this layer's tensors to a PyTorch-style state dict, in PyTorch's order. */
    void stateDict(Map<String, Tensor> into);
}
