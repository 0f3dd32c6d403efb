package io.tornadoresnet.train;

import java.io.IOException;
import java.util.List;

/**
 * Hears a training run as it goes: the progress bar, metrics.csv, the curves and the checkpoints
 * are listeners. Every call comes from the training thread, between steps, so a listener may
 * read the model (after {@link TrainingState#pullModelState()}) without racing the step.
 */
public interface TrainingListener {

    /** Before the first step this process runs; {@link TrainingState#resumed()} tells a resumed run. */
    default void runStarted(TrainingState state) throws IOException {
    }

    /** Before the first step of an epoch (or of what is left of it, when resumed in its middle). */
    default void epochStarted(TrainingState state) throws IOException {
    }

    /** After each batch, trained or skipped. */
    default void stepEnded(TrainingState state) throws IOException {
    }

    /** After an epoch's evaluation; {@code state.epoch()} already counts the epoch. */
    default void epochEnded(TrainingState state, EpochRecord record) throws IOException {
    }

    /** The run was asked to stop (Ctrl-C): the state is that of the last whole step. */
    default void stopped(TrainingState state) throws IOException {
    }

    /** One listener that tells each of these, in order. */
    static TrainingListener all(List<TrainingListener> listeners) {
        List<TrainingListener> each = List.copyOf(listeners);
        return new TrainingListener() {
            @Override
            public void runStarted(TrainingState state) throws IOException {
                for (TrainingListener l : each) {
                    l.runStarted(state);
                }
            }

            @Override
            public void epochStarted(TrainingState state) throws IOException {
                for (TrainingListener l : each) {
                    l.epochStarted(state);
                }
            }

            @Override
            public void stepEnded(TrainingState state) throws IOException {
                for (TrainingListener l : each) {
                    l.stepEnded(state);
                }
            }

            @Override
            public void epochEnded(TrainingState state, EpochRecord record) throws IOException {
                for (TrainingListener l : each) {
                    l.epochEnded(state, record);
                }
            }

            @Override
            public void stopped(TrainingState state) throws IOException {
                for (TrainingListener l : each) {
                    l.stopped(state);
                }
            }
        };
    }
}
