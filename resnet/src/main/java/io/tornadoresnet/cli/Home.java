package io.tornadoresnet.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the project's own files (tasks/) from wherever the command runs: a relative path is
 * taken from the working directory if it exists there, else from the project folder that
 * scripts/resnet passes as the system property {@code resnet.home}.
 */
final class Home {
    private Home() {
    }

    static Path resolve(String path) {
        Path p = Path.of(path);
        if (p.isAbsolute() || Files.exists(p)) {
            return p;
        }
        String home = System.getProperty("resnet.home");
        return home == null ? p : Path.of(home).resolve(p);
    }
}
