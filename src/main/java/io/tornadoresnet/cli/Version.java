package io.tornadoresnet.cli;

import picocli.CommandLine.IVersionProvider;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;
import java.util.jar.JarFile;

/** {@code resnet --version}: this project's version, TornadoVM's where its API is on the class or module path, Java's. */
final class Version implements IVersionProvider {
    /** A class of TornadoVM's API that the compile-only {@code @Parallel} stand-in does not have. */
    static final String TORNADO_API_CLASS = "uk.ac.manchester.tornado.api.TaskGraph";

    @Override
    public String[] getVersion() throws IOException {
        return new String[] {
                "resnet " + project(),
                implementationVersion(TORNADO_API_CLASS).map(v -> "TornadoVM " + v).orElse("TornadoVM: not present"),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"};
    }

    /** The project version Maven writes into version.properties. */
    static String project() throws IOException {
        Properties p = new Properties();
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                throw new IOException("version.properties is missing from the build");
            }
            p.load(in);
        }
        return p.getProperty("version");
    }

    /**
     * The version of the library that holds a class: its package's Implementation-Version, its
     * module's version, or the Implementation-Version in the manifest of the jar it came from.
     * Empty when the class is not there or no version is recorded.
     */
    static Optional<String> implementationVersion(String className) {
        Class<?> type;
        try {
            type = Class.forName(className, false, Version.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return Optional.empty();
        }
        String version = type.getPackage() == null ? null : type.getPackage().getImplementationVersion();
        if (version == null) {
            version = type.getModule().getDescriptor() == null ? null
                    : type.getModule().getDescriptor().rawVersion().orElse(null);
        }
        if (version == null) {
            version = manifestVersion(type);
        }
        return Optional.ofNullable(version);
    }

    private static String manifestVersion(Class<?> type) {
        if (type.getProtectionDomain().getCodeSource() == null) {
            return null;
        }
        URL location = type.getProtectionDomain().getCodeSource().getLocation();
        try {
            Path jar = Path.of(location.toURI());
            if (!Files.isRegularFile(jar)) {
                return null;
            }
            try (JarFile file = new JarFile(jar.toFile())) {
                return file.getManifest() == null ? null
                        : file.getManifest().getMainAttributes().getValue("Implementation-Version");
            }
        } catch (URISyntaxException | IOException | IllegalArgumentException | FileSystemNotFoundException e) {
            return null;
        }
    }
}
