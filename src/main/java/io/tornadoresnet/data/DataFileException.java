package io.tornadoresnet.data;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A data file that is empty, truncated, corrupt, too large, or not in the format its reader
 * expects. The message is one line that starts with the file.
 */
public final class DataFileException extends IOException {

    public DataFileException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public DataFileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
