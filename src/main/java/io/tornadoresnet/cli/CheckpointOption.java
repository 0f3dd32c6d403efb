package io.tornadoresnet.cli;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** {@code --checkpoint}: the run's checkpoint that eval and predict read. */
final class CheckpointOption {
    @Option(names = "--checkpoint", paramLabel = "FILE", required = true, description = "A last.safetensors of a run.")
    private Path path;

    Checkpoints open() throws IOException {
        return Checkpoints.open(path);
    }
}
