package io.tornadoresnet.nn;

/**
 * Hyper-parameters of torch.optim.SGD that stay fixed for a run (the learning rate changes per
 * step and travels in the plan's learning-rate tensor). Weight decay applies to every parameter,
 * as in the paper and in {@code SGD(model.parameters(), ...)}.
 */
public record Sgd(float momentum, float weightDecay, boolean nesterov) {

    /** The paper's section 4.2: momentum 0.9, weight decay 1e-4. */
    public static final Sgd PAPER = new Sgd(0.9f, 1e-4f, false);

    public Sgd {
        if (momentum < 0 || weightDecay < 0) {
            throw new IllegalArgumentException("momentum and weight decay must not be negative");
        }
        if (nesterov && momentum == 0) {
            throw new IllegalArgumentException("Nesterov momentum needs a momentum above zero");
        }
    }
}
