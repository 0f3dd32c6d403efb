package io.tornadoresnet.distributed.spark;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** scripts/spark.sh: how scripts/resnet finds Spark's jars for --spark. */
class SparkScriptTest {
    private static final Path ROOT = Path.of("").toAbsolutePath();

    /** Runs a function of scripts/spark.sh; stdout, then "status N", then stderr. */
    private static List<String> bash(String function, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", "-c",
                "set -euo pipefail; source scripts/jdk.sh; pick_jdk; source scripts/spark.sh; "
                        + "status=0; \"$@\" || status=$?; echo \"status $status\"", "bash", function));
        command.addAll(List.of(args));
        Path errors = Files.createTempFile("spark-script", ".err");
        try {
            Process p = new ProcessBuilder(command).directory(ROOT.toFile())
                    .redirectError(errors.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertEquals(0, p.waitFor(), out);
            return List.of(out, Files.readString(errors));
        } finally {
            Files.delete(errors);
        }
    }

    @Test
    void onlyASparkOptionAsksForSpark() throws Exception {
        assertTrue(bash("resnet_wants_spark", "train", "--spark", "local[2]").get(0).endsWith("status 0"));
        assertTrue(bash("resnet_wants_spark", "train", "--spark=yarn", "--workers", "4").get(0).endsWith("status 0"));
        assertTrue(bash("resnet_wants_spark", "train", "--workers", "2").get(0).endsWith("status 1"));
        assertTrue(bash("resnet_wants_spark", "train", "--sparkle").get(0).endsWith("status 1"));
    }

    @Test
    void theClasspathHoldsSparkAndIsResolvedOnce() throws Exception {
        Files.deleteIfExists(ROOT.resolve("target/spark-classpath.txt"));
        List<String> first = bash("spark_classpath", ROOT.toString());
        assertTrue(first.get(0).endsWith("status 0"), String.join("\n", first));
        List<String> jars = List.of(first.get(0).lines().findFirst().orElseThrow().split(":"));
        assertTrue(jars.stream().anyMatch(jar -> jar.contains("spark-core_2.13")), jars.toString());
        assertTrue(jars.stream().allMatch(jar -> jar.endsWith(".jar") && Files.isRegularFile(Path.of(jar))),
                jars.toString());
        assertFalse(jars.stream().anyMatch(jar -> jar.contains("tornado-api") || jar.contains("log4j-slf4j2-impl")),
                jars.toString());
        assertTrue(first.get(1).contains("resolving Spark's jars"), first.get(1));

        List<String> second = bash("spark_classpath", ROOT.toString());
        assertEquals(first.get(0), second.get(0));
        assertFalse(second.get(1).contains("resolving"), second.get(1));
    }
}
