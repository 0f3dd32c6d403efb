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
 * <p>A training plan ends with its update stages (from the one named {@link Stage#OPTIMIZER}),
 * which read the parameter gradients, {@link #gradients()}. A plan that
 * {@link #exchangesGradients()} is compiled so that a step can also run in two calls,
 * {@link Backend.Executable#computeGradients()} and {@link Backend.Executable#applyGradients()},
 * with the gradients in their float[]s in between: to average them over data-parallel workers or to
 * accumulate micro-batches.
 *
 * <p>Those tensors, the model's state and the parameters' gradients have buffers of their own; the
 * other tensors of the plan (activations, their gradients, saved statistics) share buffers with
 * tensors whose lifetimes do not overlap theirs, so after a step they hold no meaningful values.
 */
public record Plan(Mode mode, int batch, List<Stage> stages, Tensor input, int[] labels, Tensor learningRate,
                   Tensor metrics, Tensor logits, Tensor probabilities, Tensor inputGradient,
                   List<Tensor> modelState,
                   List<LayerInfo> layers,
                   List<Tensor> gradients, boolean exchangesGradients) {

    public Plan {
        stages = List.copyOf(stages);
        modelState = List.copyOf(modelState);
        layers = List.copyOf(layers);
        gradients = List.copyOf(gradients);
        if (exchangesGradients && (gradients.isEmpty() || updateStart(stages) < 0)) {
            throw new IllegalArgumentException("only a training plan with gradients and an optimizer stage can "
                    + "exchange its gradients");
        }
    }

    /** A plan without gradients to exchange. */
    public Plan(Mode mode, int batch, List<Stage> stages, Tensor input, int[] labels, Tensor learningRate,
                Tensor metrics, Tensor logits, Tensor probabilities, Tensor inputGradient, List<Tensor> modelState,
                List<LayerInfo> layers) {
        this(mode, batch, stages, input, labels, learningRate, metrics, logits, probabilities, inputGradient,
                modelState, layers, List.of(), false);
    }

    /** This plan with its parameter gradients named, in the order of the parameters. */
    public Plan withGradients(List<Tensor> parameterGradients) {
        return new Plan(mode, batch, stages, input, labels, learningRate, metrics, logits, probabilities,
                inputGradient, modelState, layers, parameterGradients, exchangesGradients);
    }

    /** This plan, to be compiled so that its gradients can be read and replaced between backward and update. */
    public Plan exchangingGradients() {
        return new Plan(mode, batch, stages, input, labels, learningRate, metrics, logits, probabilities,
                inputGradient, modelState, layers, gradients, true);
    }

    /** Index of the first update stage (the one named {@link Stage#OPTIMIZER}), or -1 when there is none. */
    public int updateStart() {
        return updateStart(stages);
    }

    private static int updateStart(List<Stage> stages) {
        for (int i = 0; i < stages.size(); i++) {
            if (stages.get(i).name().equals(Stage.OPTIMIZER)) {
                return i;
            }
        }
        return -1;
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
