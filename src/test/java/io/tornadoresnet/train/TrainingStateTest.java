package io.tornadoresnet.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tornadoresnet.io.CheckpointMetadata;
import io.tornadoresnet.io.CheckpointMetadata.EpochProgress;
import io.tornadoresnet.io.CheckpointMetadata.InputNormalization;
import io.tornadoresnet.nn.Shortcut;
import io.tornadoresnet.tensor.Shape;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The seconds an epoch waits for data: added up per epoch, carried by a checkpoint, started afresh each epoch. */
class TrainingStateTest {

    private static TrainingState state(EpochProgress partial) {
        CheckpointMetadata start = new CheckpointMetadata("resnet8", Shape.of(1, 8, 8), 10, Shortcut.A, 0,
                partial.steps(), partial, 5, "sgd", "synthetic", List.of(), "", InputNormalization.NONE);
        return new TrainingState(null, null, start, 3, 20, partial.steps() > 0);
    }

    @Test
    void addsUpTheEpochsWaits() {
        TrainingState state = state(EpochProgress.NONE);
        state.startEpochClock();
        state.waitedForData(250_000_000L);
        state.trained(1.5f, 3, 32, 0);
        state.waitedForData(125_000_000L);
        state.trained(1.25f, 4, 32, 0);
        assertEquals(0.375, state.epochProgress().dataWaitSeconds(), 1e-12);
        assertEquals(0.375, state.checkpointMetadata().partial().dataWaitSeconds(), 1e-12,
                "a checkpoint in the middle of the epoch keeps the wait so far");
        state.endEpoch();
        state.startEpochClock();
        assertEquals(0, state.epochProgress().dataWaitSeconds());
        state.waitedForData(50_000_000L);
        assertEquals(0.05, state.epochProgress().dataWaitSeconds(), 1e-12);
    }

    @Test
    void aResumedEpochGoesOnFromItsCheckpointsWait() {
        TrainingState state = state(new EpochProgress(4, 0, 6, 10, 128, 12.5, 0, 1.5));
        state.startEpochClock();
        state.waitedForData(500_000_000L);
        assertEquals(2.0, state.epochProgress().dataWaitSeconds(), 1e-12);
        state.endEpoch();
        state.startEpochClock();
        assertEquals(0, state.epochProgress().dataWaitSeconds(), "the next epoch starts from nothing");
    }
}
