package io.tornadoresnet.plan;

import io.tornadoresnet.tensor.Tensor;

import java.util.List;

/**
 * A model compiled for one batch size and one mode: every tensor allocated up front, and the
 * stages to run, in order, for one step. Running a plan allocates nothing.
 *
 * <p>Per step the caller writes {@link #input()}, {@link #labels()} and (training)
 * {@link #learningRate()}; afterwards {@link #metrics()} holds {mean loss, correct count} and,
 * for inference, {@link #logits()} and {@link #probabilities()} the scores. A training plan
 * compiled for gradient checks also leaves the gradient of the input in {@link #inputGradient()}.
 *
 * <p>Those tensors, the model's state and the parameters' gradients have buffers of their own; the
 * other tensors of the plan (activations, their gradients, saved statistics) share buffers with
 * tensors whose lifetimes do not overlap theirs, so after a step they hold no meaningful values.
 */
public record Plan(Mode mode, int batch, List<Stage> stages, Tensor input, int[] labels, Tensor learningRate,
                   Tensor metrics, Tensor logits, Tensor probabilities, Tensor inputGradient,
                   List<Tensor> modelState,
                   List<LayerInfo> layers) {

    public Plan {
        stages = List.copyOf(stages);
        modelState = List.copyOf(modelState);
        layers = List.copyOf(layers);
    }

    /** Loss of the last step: the sum over its labelled rows divided by the batch size. */
    public float loss() {
        return metrics.data()[0];
    }

    /** Number of rows of the last step whose highest score was the label. */
    public int correct() {
        return Math.round(metrics.data()[1]);
    }
}
