package io.tornadoresnet.plan;

/** What a plan is for: a training step (forward, loss, backward, update) or inference. */
public enum Mode {
    TRAIN, INFER
}
