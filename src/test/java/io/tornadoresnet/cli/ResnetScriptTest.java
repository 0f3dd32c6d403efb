package io.tornadoresnet.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * scripts/resnet chooses the JVM before java starts: TornadoVM's for the tornado backend, and for the JVM
 * backend whether to ask for huge pages. These run the script's own functions (scripts/backend.sh) in bash.
 */
class ResnetScriptTest {
    private static final Path ROOT = Path.of("").toAbsolutePath();

    /** Runs a function of scripts/backend.sh; its output, or "status N" when it prints nothing. */
    private static String bash(String function, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", "-c",
                "set -euo pipefail; source scripts/backend.sh; \"$@\" || echo \"status $?\"", "bash", function));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), out);
        return out.isEmpty() ? "status 0" : out;
    }

    /** Runs a function of scripts/backend.sh that takes the project's root before the command line. */
    private static String withRoot(String function, String... args) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of(ROOT.toString()));
        all.addAll(List.of(args));
        return bash(function, all.toArray(String[]::new));
    }

    private static String backend(String... args) throws IOException, InterruptedException {
        return withRoot("resnet_backend", args);
    }

    @Test
    void aTaskWithBackendTornadoStartsTornadoVmsJvm(@TempDir Path dir) throws Exception {
        Path tornado = dir.resolve("gpu.properties");
        Files.writeString(tornado, "model=resnet20\n# backend=jvm in a comment\nbackend = tornado\n");
        assertEquals("tornado", backend("train", "--task", tornado.toString()));
        assertEquals("tornado", backend("train", "--task=" + tornado, "--epochs", "1"));
        Path colon = dir.resolve("colon.properties");
        Files.writeString(colon, "backend:tornado\n");
        assertEquals("tornado", backend("train", "--task", colon.toString()));
    }

    @Test
    void theCommandLineWinsOverTheTask(@TempDir Path dir) throws Exception {
        Path tornado = dir.resolve("gpu.properties");
        Files.writeString(tornado, "backend=tornado\n");
        assertEquals("jvm", backend("train", "--task", tornado.toString(), "--backend", "jvm"));
        assertEquals("jvm", backend("train", "--task", tornado.toString(), "--set", "backend=jvm"));
        assertEquals("jvm", backend("train", "--set", "backend=tornado", "--task", tornado.toString(),
                "--backend=jvm"));
        assertEquals("tornado", backend("train", "--set=backend=tornado"));
        assertEquals("tornado", backend("eval", "--checkpoint", "x", "--set", "backend=tornado"));
    }

    @Test
    void theDefaultTaskAndOtherCommandsUseTheJvm() throws Exception {
        assertEquals("jvm", backend("train"));
        assertEquals("jvm", backend("train", "--task", "tasks/cifar10-resnet20.properties"));
        assertEquals("jvm", backend("bench", "--model", "resnet20"));
    }

    private static String readsFashionMnist(String... args) throws IOException, InterruptedException {
        return withRoot("resnet_reads_fashion_mnist", args);
    }

    @Test
    void theDefaultDataIsInstalledForEveryTaskOnFashionMnistWithoutItsOwnFolder(@TempDir Path dir) throws Exception {
        assertEquals("status 0", readsFashionMnist("train"));
        assertEquals("status 0", readsFashionMnist("train", "--task", "tasks/fashion-mnist-resnet56.properties"));
        assertEquals("status 0", readsFashionMnist("train", "--task=tasks/fashion-mnist-resnet20.properties",
                "--epochs", "2"));
        Path ownFolder = dir.resolve("own.properties");
        Files.writeString(ownFolder, "dataset = fashion-mnist\ndata=/srv/fmnist\n");
        assertEquals("status 1", readsFashionMnist("train", "--task", ownFolder.toString()));
        assertEquals("status 1", readsFashionMnist("train", "--task", "tasks/cifar10-resnet20.properties"));
        assertEquals("status 1", readsFashionMnist("train", "--data", "/srv/fmnist"));
        assertEquals("status 1", readsFashionMnist("train", "--synthetic", "64"));
        assertEquals("status 1", readsFashionMnist("train", "--set", "dataset=cifar10"));
        assertEquals("status 1", readsFashionMnist("eval", "--checkpoint", "x"));
    }

    @Test
    void helpAndVersionAreRecognised() throws Exception {
        assertEquals("status 0", bash("resnet_asks_help", "train", "-h"));
        assertEquals("status 0", bash("resnet_asks_help", "train", "--epochs", "3", "--help"));
        assertEquals("status 0", bash("resnet_asks_help", "--version"));
        assertEquals("status 1", bash("resnet_asks_help", "train", "--epochs", "3"));
    }

    /** Huge pages only where the kernel hands them out on request; nothing where it cannot be read. */
    @Test
    void hugePagesAreAskedForOnlyInMadviseMode(@TempDir Path dir) throws Exception {
        Path mode = dir.resolve("enabled");
        Files.writeString(mode, "always [madvise] never\n");
        assertEquals("-XX:+UseTransparentHugePages", bash("resnet_page_options", mode.toString()));
        Files.writeString(mode, "[always] madvise never\n");
        assertEquals("status 0", bash("resnet_page_options", mode.toString()));
        Files.writeString(mode, "always madvise [never]\n");
        assertEquals("status 0", bash("resnet_page_options", mode.toString()));
        assertEquals("status 0", bash("resnet_page_options", dir.resolve("missing").toString()));
    }
}
