package io.tornadoresnet.distributed.spark;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
        String out = submit(dir, SparkRingCheck.class.getName(), "--workers", "2", "--floats", "1001", "--calls", "2");
        String log = out + Files.readString(dir.resolve("err"));
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

    /** train --spark without a master takes spark-submit's. */
    @Test
    void sparkSubmitRunsTrainWithItsMaster(@TempDir Path dir) throws Exception {
        Path run = dir.resolve("run");
        String out = submit(dir, "io.tornadoresnet.cli.Main", "train", "--spark", "--workers", "2", "--synthetic",
                "--model", "resnet8", "--input", "1x8x8", "--epochs", "1", "--batch", "32", "--limit-train", "128",
                "--limit-test", "32", "--out", run.toString(), "--json");
        String json = out.strip().substring(out.strip().lastIndexOf('\n') + 1);
        assertTrue(json.contains("\"workers\":2") && json.contains("\"steps\":4")
                && json.contains("\"replicas_identical\":true"), out);
        assertTrue(Files.exists(run.resolve("last.safetensors")));
    }

    /** Runs a class of the project's jar under spark-submit on local[2]; its standard output (stderr in dir/err). */
    private static String submit(Path dir, String mainClass, String... args) throws Exception {
        Path jar = dir.resolve("app.jar");
        writeJar(ROOT.resolve("target/classes"), jar);
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>(List.of(java.toString(),
                "@" + ROOT.resolve("scripts/spark-java-options"), "-cp", classpathWithoutTheProject(),
                "org.apache.spark.deploy.SparkSubmit", "--master", "local[2]", "--conf", "spark.ui.enabled=false",
                "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1",
                "--class", mainClass, jar.toString()));
        command.addAll(List.of(args));
        Process submit = new ProcessBuilder(command)
                .redirectOutput(dir.resolve("out").toFile())
                .redirectError(dir.resolve("err").toFile())
                .start();
        if (!submit.waitFor(300, TimeUnit.SECONDS)) {
            submit.destroyForcibly();
        }
        String out = Files.readString(dir.resolve("out"));
        assertEquals(0, submit.waitFor(), out + Files.readString(dir.resolve("err")));
        return out;
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
