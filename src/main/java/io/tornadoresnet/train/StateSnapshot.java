package io.tornadoresnet.train;

import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.tensor.Tensor;

import java.util.List;

/**
 * A copy of a training plan's model state (weights, momentum, batch-norm running statistics),
 * taken before a step and put back when the step must not count. A step updates that state
 * before its loss can be read, so undoing it is the only way to skip a batch on every backend.
 */
final class StateSnapshot {
    private final Backend.Executable executable;
    private final List<Tensor> state;
    private final float[][] copies;

    StateSnapshot(Backend.Executable executable) {
        this.executable = executable;
        this.state = executable.plan().modelState();
        this.copies = new float[state.size()][];
        for (int i = 0; i < copies.length; i++) {
            copies[i] = new float[state.get(i).size()];
        }
    }

    void take() {
        executable.pullModelState();
        for (int i = 0; i < copies.length; i++) {
            System.arraycopy(state.get(i).data(), 0, copies[i], 0, copies[i].length);
        }
    }

    void restore() {
        for (int i = 0; i < copies.length; i++) {
            System.arraycopy(copies[i], 0, state.get(i).data(), 0, copies[i].length);
        }
        executable.pushModelState();
    }
}
