package io.tornadoresnet.nn;

import io.tornadoresnet.plan.PlanBuilder;
import io.tornadoresnet.tensor.Tensor;

/** What a layer's forward emission leaves: its output, and how to emit its backward pass. */
public record Node(Tensor out, Backward backward) {

    /** Emits the backward ops of one layer. */
    public interface Backward {
        /** Returns the gradient of the layer's input, or null when no one needs it. */
        Tensor emit(PlanBuilder b, Tensor gradOut);
    }
}
