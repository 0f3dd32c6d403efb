package io.tornadoresnet.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks, before any work starts, that results can be written where the user asked. */
final class OutputFolder {
    private OutputFolder() {
    }

    /**
     * The folder exists and is writable, or can be created: its nearest existing ancestor is a
     * writable folder. Nothing is created.
     *
     * @param option the option that named the folder, for the message
     */
    static void checkWritable(String option, Path dir) throws IOException {
        Path existing = dir.toAbsolutePath().normalize();
        while (!Files.exists(existing)) {
            existing = existing.getParent();
        }
        String where = option + " " + dir + ": ";
        if (!Files.isDirectory(existing)) {
            throw new IOException(where + existing + " is a file, not a folder");
        }
        if (!Files.isWritable(existing)) {
            throw new IOException(where + "cannot write in " + existing);
        }
    }
}
