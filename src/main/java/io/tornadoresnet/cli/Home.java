package io.tornadoresnet.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the project's own files (tasks/) from wherever the command runs: a relative path is
 * taken from the working directory if it exists there, else from the project folder that
 * scripts/resnet passes as the system property {@code resnet.home}, else from the nearest folder
 * above the working directory that has it.
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
        if (home != null) {
            return Path.of(home).resolve(p);
        }
        for (Path dir = Path.of("").toAbsolutePath().getParent(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve(p))) {
                return dir.resolve(p);
            }
        }
        return p;
    }
}
