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
