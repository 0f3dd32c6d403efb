package io.tornadoresnet.plan;

import java.util.List;

/**
 * A named, ordered list of ops: the natural unit of a residual network (the stem, each residual
 * stage conv2_x..conv5_x of the paper's Table 1, the head with the loss, their backward passes,
 * the optimizer update). A backend may compile a stage as one unit (one TornadoVM TaskGraph).
 */
public record Stage(String name, List<Op> ops) {
    /** The name of a training plan's first update stage: it and the stages after it apply the gradients. */
    public static final String OPTIMIZER = "optimizer";

    public Stage {
        ops = List.copyOf(ops);
    }
}
