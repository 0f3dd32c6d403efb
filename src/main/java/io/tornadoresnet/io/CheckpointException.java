package io.tornadoresnet.io;

import java.io.IOException;

/**
 * A checkpoint that is valid safetensors but not one this model (or any model) can load: missing,
 * extra or mis-shaped tensors, or metadata that names no model. The message is one line that
 * starts with the file.
 */
public final class CheckpointException extends IOException {

    public CheckpointException(String source, String problem) {
        super(source + ": " + problem);
    }
}
