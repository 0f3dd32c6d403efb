package io.tornadoresnet.plan;

/**
 * Runs plans. A backend compiles a plan once (device buffers, task graphs, workspaces) and then
 * runs it step after step; tensors it keeps elsewhere than in their float[] (on a device) are
 * copied only when asked.
 */
public interface Backend extends AutoCloseable {

    String name();

    /** Threads or device the backend runs on, for reports. */
    String device();

    Executable compile(Plan plan);

    @Override
    void close();

    /** A compiled plan. */
    interface Executable extends AutoCloseable {

        Plan plan();

        /**
         * Runs one step of the plan: reads the plan's input, labels and learning rate, and leaves
         * the metrics (and, for inference, logits and probabilities) in their tensors.
         */
        void run();

        /**
         * The first half of a step, {@link #run()} without the update: forward, loss and backward of
         * the batch in the plan's input and labels, leaving the metrics and the parameter gradients
         * ({@link Plan#gradients()}) in their float[]s; the model is not changed but for the
         * batch-norm running statistics. Only for a plan that {@link Plan#exchangesGradients()}.
         */
        void computeGradients();

        /**
         * The second half of a step: the optimizer update at the plan's learning rate, with the
         * gradients as their float[]s hold them now (averaged over workers, or accumulated).
         * Only for a plan that {@link Plan#exchangesGradients()}.
         */
        void applyGradients();

        /** Brings the model state (weights, momentum, running statistics) back into its float[]s. */
        void pullModelState();

        /** Sends the model state from its float[]s, after the caller changed them (e.g. a checkpoint load). */
        void pushModelState();

        /** Bytes of device memory the compiled plan holds (its device buffers); -1 where it holds none. */
        default long deviceMemoryBytes() {
            return -1;
        }

        @Override
        void close();
    }
}
