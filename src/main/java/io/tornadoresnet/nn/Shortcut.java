package io.tornadoresnet.nn;

/** How a residual block joins its input to its output (the paper's section 3.3). */
public enum Shortcut {
    /** Identity; where the shape changes, stride subsampling and zero-padded channels (no parameters). */
    A,
    /** Identity; where the shape changes, a 1x1 convolution with batch norm (torchvision's downsample). */
    B,
    /** No shortcut at all: the plain network of the paper's comparison. */
    NONE
}
