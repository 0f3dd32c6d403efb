package io.tornadoresnet.distributed.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The project's classes as an application jar under spark-submit (Spark's own SparkSubmit, local[2]):
 * Spark ships the jar to its executors, which run the ring between them.
 */
class SparkSubmitTest {
    private static final Path ROOT = Path.of("").toAbsolutePath();
    private static final Pattern LINE = Pattern.compile(
            "\\{\"rank\":(\\d),\"workers\":2,\"floats\":1001,\"calls\":2,.*\"result_hash\":(-?\\d+)}");

    @Test
    void sparkSubmitRunsTheRingCheckFromTheJar(@TempDir Path dir) throws Exception {
        Path jar = dir.resolve("app.jar");
        writeJar(ROOT.resolve("target/classes"), jar);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process submit = new ProcessBuilder(java.toString(), "@" + ROOT.resolve("scripts/spark-java-options"),
                "-cp", classpathWithoutTheProject(), "org.apache.spark.deploy.SparkSubmit",
                "--master", "local[2]", "--conf", "spark.ui.enabled=false",
                "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1",
                "--class", SparkRingCheck.class.getName(), jar.toString(),
                "--workers", "2", "--floats", "1001", "--calls", "2")
                .redirectOutput(dir.resolve("out").toFile())
                .redirectError(dir.resolve("err").toFile())
                .start();
        if (!submit.waitFor(300, TimeUnit.SECONDS)) {
            submit.destroyForcibly();
        }
        String out = Files.readString(dir.resolve("out"));
        String log = out + Files.readString(dir.resolve("err"));
        assertEquals(0, submit.exitValue(), log);
        List<String> lines = out.lines().filter(line -> line.startsWith("{")).collect(Collectors.toList());
        assertEquals(2, lines.size(), log);
        String hash = null;
        for (int rank = 0; rank < 2; rank++) {
            Matcher line = LINE.matcher(lines.get(rank));
            assertTrue(line.matches(), lines.get(rank));
            assertEquals(String.valueOf(rank), line.group(1));
            hash = hash == null ? line.group(2) : hash;
            assertEquals(hash, line.group(2), "the workers' results differ");
        }
    }

    /** Spark and the other dependencies, but not the project's classes: those come from the jar. */
    private static String classpathWithoutTheProject() {
        Path classes = ROOT.resolve("target/classes");
        Path testClasses = ROOT.resolve("target/test-classes");
        List<String> entries = List.of(System.getProperty("java.class.path").split(File.pathSeparator));
        List<String> others = entries.stream()
                .filter(entry -> !Path.of(entry).toAbsolutePath().equals(classes)
                        && !Path.of(entry).toAbsolutePath().equals(testClasses))
                .collect(Collectors.toList());
        assertEquals(entries.size() - 2, others.size(), "the test classpath lacks the project's classes: " + entries);
        return String.join(File.pathSeparator, others);
    }

    private static void writeJar(Path classes, Path jar) throws IOException {
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar));
             Stream<Path> files = Files.walk(classes)) {
            for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                out.putNextEntry(new JarEntry(classes.relativize(file).toString().replace(File.separatorChar, '/')));
                Files.copy(file, out);
                out.closeEntry();
            }
        }
    }
}
