package io.tornadoresnet.io;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tornadoresnet.backend.jvm.JvmBackend;
import io.tornadoresnet.data.Dataset;
import io.tornadoresnet.data.Idx;
import io.tornadoresnet.data.Normalization;
import io.tornadoresnet.train.CropEvaluator;
import io.tornadoresnet.train.Evaluator;
import io.tornadoresnet.train.SavedNormalization;
import io.tornadoresnet.io.SafeTensors.Contents;
import io.tornadoresnet.io.SafeTensors.DType;
import io.tornadoresnet.io.SafeTensors.Entry;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.nn.Shortcut;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.testing.Close;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Random;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files and models moving between PyTorch and this project, through scripts/torch_interop.py:
 * PyTorch's weights give PyTorch's logits here, and weights written here give the same logits in
 * PyTorch. Skipped when
 * the Python in system property {@code torch.python} (default /usr/bin/python3) cannot import torch.
 */
class TorchInteropTest {
    private static final Path PYTHON = Paths.get(System.getProperty("torch.python", "/usr/bin/python3"));
    private static Path script;
    /** Why the tests cannot run here, or null when they can. */
    private static String missing;

    @TempDir
    Path dir;

    @BeforeAll
    static void findPyTorch() throws IOException, InterruptedException {
        if (!Files.isExecutable(PYTHON)) {
            missing = PYTHON + " not found";
        } else if (run(List.of(PYTHON.toString(), "-c", "import torch")).exitCode != 0) {
            missing = PYTHON + " cannot import torch";
        } else {
            script = findScript();
        }
    }

    /** Skips each test (rather than the class, which surefire would count as no tests) with the reason. */
    @BeforeEach
    void needsPyTorch() {
        Assumptions.assumeTrue(missing == null, () -> "skipped: " + missing);
    }

    @Test
    void readsACifarCheckpointExportedByPyTorch() throws Exception {
        Contents checkpoint = export("resnet20", "3x32x32", "10", "A", 2);
        Map<String, Entry> t = checkpoint.tensors();
        assertEquals(Map.of("format", "tornado-resnet", "model", "resnet20", "input", "3x32x32", "classes", "10",
                "shortcut", "A", "params", "269722", "seed", "7"), checkpoint.metadata());
        List<String> names = List.copyOf(t.keySet());
        assertEquals(List.of("conv1.weight", "bn1.weight", "bn1.bias", "bn1.running_mean", "bn1.running_var",
                "bn1.num_batches_tracked", "layer1.0.conv1.weight"), names.subList(0, 7));
        assertEquals(List.of("fc.weight", "fc.bias"), names.subList(names.size() - 2, names.size()));
        assertEquals(116, t.size());
        assertArrayEquals(new long[] {16, 3, 3, 3}, t.get("conv1.weight").shape());
        assertArrayEquals(new long[] {64, 64, 3, 3}, t.get("layer3.2.conv2.weight").shape());
        assertArrayEquals(new long[] {10, 64}, t.get("fc.weight").shape());
        Entry tracked = t.get("layer2.1.bn1.num_batches_tracked");
        assertEquals(DType.I64, tracked.dtype());
        assertArrayEquals(new long[0], tracked.shape());
        assertTrue(tracked.longs()[0] > 0, "num_batches_tracked is set");
        for (float v : t.get("layer3.2.bn2.running_var").floats()) {
            assertTrue(v > 0, "running variance is positive");
        }
        assertEquals(269_722, parameterCount(t));

        Contents probe = SafeTensors.read(dir.resolve("probe.safetensors"));
        assertArrayEquals(new long[] {2, 3, 32, 32}, probe.tensors().get("input").shape());
        assertArrayEquals(new long[] {2, 10}, probe.tensors().get("logits").shape());
    }

    @Test
    void readsImageNetFamilyNames() throws Exception {
        Map<String, Entry> t = export("resnet18", "1x32x32", "5", null, 1).tensors();
        assertArrayEquals(new long[] {64, 1, 7, 7}, t.get("conv1.weight").shape());
        assertArrayEquals(new long[] {128, 64, 1, 1}, t.get("layer2.0.downsample.0.weight").shape());
        assertArrayEquals(new long[] {128}, t.get("layer2.0.downsample.1.running_var").shape());
        assertArrayEquals(new long[] {512, 512, 3, 3}, t.get("layer4.1.conv2.weight").shape());
        assertArrayEquals(new long[] {5, 512}, t.get("fc.weight").shape());
        assertEquals(11_689_512 - 1000 * 513 + 5 * 513 - 2 * 64 * 49, parameterCount(t));
    }

    @Test
    void pytorchChecksWhatJavaWrites() throws Exception {
        Contents exported = export("resnet20", "3x32x32", "10", "B", 3);
        Contents probe = SafeTensors.read(dir.resolve("probe.safetensors"));
        assertTrue(exported.tensors().containsKey("layer3.0.downsample.0.weight"));

        // Java's writer, plus optimizer state that PyTorch must ignore
        LinkedHashMap<String, Entry> tensors = new LinkedHashMap<>(exported.tensors());
        tensors.put("optimizer.momentum.fc.bias", Entry.f32(new float[10], 10));
        Path checkpoint = dir.resolve("java.safetensors");
        Path javaProbe = dir.resolve("java-probe.safetensors");
        SafeTensors.write(checkpoint, tensors, exported.metadata());
        SafeTensors.write(javaProbe, probe.tensors(), probe.metadata());
        Result ok = python("check", "--checkpoint", checkpoint.toString(), "--probe", javaProbe.toString());
        assertEquals(0, ok.exitCode, ok.toString());
        assertEquals("true", field(ok.lastLine(), "ok"), ok.toString());
        assertEquals("0.0", field(ok.lastLine(), "max_abs_diff"), ok.toString());

        tensors.get("fc.bias").floats()[3] += 0.01f;
        SafeTensors.write(checkpoint, tensors, exported.metadata());
        Result off = python("check", "--checkpoint", checkpoint.toString(), "--probe", javaProbe.toString());
        assertEquals(1, off.exitCode, off.toString());
        assertEquals("false", field(off.lastLine(), "ok"), off.toString());

        tensors.remove("layer1.0.bn1.num_batches_tracked");
        SafeTensors.write(checkpoint, tensors, exported.metadata());
        Result missing = python("check", "--checkpoint", checkpoint.toString(), "--probe", javaProbe.toString());
        assertEquals(2, missing.exitCode, missing.toString());
        assertTrue(missing.lastLine().contains("missing ['layer1.0.bn1.num_batches_tracked']"), missing.toString());
    }

    @Test
    void pytorchWeightsGivePyTorchLogitsHere() throws Exception {
        for (String[] net : new String[][] {{"resnet20", "3x32x32", "10", "A"}, {"resnet8", "1x16x16", "4", "B"},
                {"resnet50", "3x32x32", "7", null}}) {
            Contents checkpoint = export(net[0], net[1], net[2], net[3], 3);
            Contents probe = SafeTensors.read(dir.resolve("probe.safetensors"));
            float[] ours = logits(Checkpoint.model(checkpoint), checkpoint, probe.tensors().get("input"));
            float[] theirs = probe.tensors().get("logits").floats();
            // 1e-4 absolute; for the 50-layer net, whose float round-off grows with the logits'
            // size, 1e-4 of the largest logit
            double scale = net[0].equals("resnet50") ? Close.maxAbs(theirs) : 1;
            Close.assertClose(net[0] + " logits", theirs, ours, e -> 1e-4 * Math.max(1, scale));
        }
    }

    @Test
    void weightsWrittenHereGiveTheSameLogitsInPyTorch() throws Exception {
        Random random = new Random(4);
        ResNet model = perturbed(ResNets.create("resnet8", Shape.of(2, 12, 12), 5, Shortcut.B), random);
        Path checkpoint = dir.resolve("java.safetensors");
        Checkpoint.save(checkpoint, model, new CheckpointMetadata(model.name(), model.imageShape(), model.classes(),
                model.shortcut(), 1, 12, CheckpointMetadata.EpochProgress.NONE, 3, "", "", List.of(), "",
                CheckpointMetadata.InputNormalization.NONE));
        float[] input = new float[3 * 2 * 12 * 12];
        for (int i = 0; i < input.length; i++) {
            input[i] = (float) random.nextGaussian();
        }
        Entry inputEntry = Entry.f32(input, 3, 2, 12, 12);
        Checkpoint.Loaded written = Checkpoint.read(checkpoint);
        float[] logits = logits(Checkpoint.model(written.metadata()), written.contents(), inputEntry);
        Path probe = dir.resolve("java-probe.safetensors");
        LinkedHashMap<String, Entry> probeTensors = new LinkedHashMap<>();
        probeTensors.put("input", inputEntry);
        probeTensors.put("logits", Entry.f32(logits, 3, 5));
        SafeTensors.write(probe, probeTensors, Map.of());
        Result r = python("check", "--checkpoint", checkpoint.toString(), "--probe", probe.toString());
        assertEquals(0, r.exitCode, r.toString());
        assertEquals("true", field(r.lastLine(), "ok"), r.toString());
    }

    /** Its initial weights and batch-norm statistics moved at random, so that no output is a default's. */
    private static ResNet perturbed(ResNet model, Random random) {
        model.initialize(3);
        model.stateDict().forEach((name, t) -> {
            float[] v = t.data();
            for (int i = 0; i < v.length; i++) {
                v[i] += name.endsWith("running_var") ? (float) random.nextDouble() : (float) (0.2 * random.nextGaussian());
            }
        });
        return model;
    }

    @Test
    void pytorchEvaluatesACheckpointAsEvalDoes() throws Exception {
        Path data = Files.createDirectories(dir.resolve("test-set"));
        Random random = new Random(6);
        Path images = data.resolve("t10k-images-idx3-ubyte");
        Path labels = data.resolve("t10k-labels-idx1-ubyte");
        writeIdx(images, new int[] {24, 28, 28}, random, 256, false);
        writeIdx(labels, new int[] {24}, random, 10, false);
        Dataset test = Idx.read(images, labels, Idx.FASHION_MNIST_CLASSES);
        Shape shape = Shape.of(1, 28, 28);
        ResNet model = perturbed(ResNets.create("resnet8", shape, 10), random);
        float[] pixelMean = new float[shape.size()];
        for (int i = 0; i < pixelMean.length; i++) {
            pixelMean[i] = 0.2f + 0.3f * random.nextFloat();
        }
        Path checkpoint = dir.resolve("eval.safetensors");
        for (Normalization normalization : List.of(
                Normalization.of(Normalization.Kind.CHANNEL_MEAN_STD, shape, new float[] {0.29f}, new float[] {0.35f}),
                Normalization.of(Normalization.Kind.PIXEL_MEAN, shape, pixelMean, new float[0]))) {
            Checkpoint.save(checkpoint, model, new CheckpointMetadata(model.name(), shape, 10, model.shortcut(), 1, 12,
                    CheckpointMetadata.EpochProgress.NONE, 3, "", "fashion-mnist", List.of(), "",
                    SavedNormalization.of(normalization)));
            Evaluator.Evaluation plain;
            Evaluator.Evaluation mirrored;
            try (Backend backend = new JvmBackend(2)) {
                try (Backend.Executable inference = backend.compile(model.compileInference(10))) {
                    inference.pushModelState();
                    plain = Evaluator.evaluate(inference, test, normalization);
                }
                mirrored = CropEvaluator.mirrored(backend, model, test, normalization, 5);
            }
            assertTrue(Math.abs(plain.loss() - mirrored.loss()) > 1e-3, "the mirror images change the scores");
            for (Map.Entry<String, Evaluator.Evaluation> ours : Map.of("1", plain, "flip", mirrored).entrySet()) {
                Result r = python("eval", "--checkpoint", checkpoint.toString(), "--data", data.toString(),
                        "--crops", ours.getKey(), "--batch", "7", "--threads", "1");
                String what = normalization.kind() + ", --crops " + ours.getKey() + ": " + r;
                assertEquals(0, r.exitCode, what);
                assertEquals("24", field(r.lastLine(), "images"), what);
                assertEquals(ours.getValue().accuracy(), Double.parseDouble(field(r.lastLine(), "test_accuracy")), 1e-6, what);
                assertEquals(ours.getValue().loss(), Double.parseDouble(field(r.lastLine(), "test_loss")), 1e-5, what);
            }
        }

        Checkpoint.save(checkpoint, model, new CheckpointMetadata(model.name(), shape, 10, model.shortcut(), 1, 12,
                CheckpointMetadata.EpochProgress.NONE, 3, "", "cifar10", List.of(), "",
                CheckpointMetadata.InputNormalization.NONE));
        Result refused = python("eval", "--checkpoint", checkpoint.toString(), "--data", data.toString());
        assertEquals(2, refused.exitCode, refused.toString());
        assertTrue(refused.lastLine().contains("was trained on cifar10: the PyTorch side evaluates fashion-mnist only"),
                refused.toString());
    }

    /** Eval-mode logits of a checkpoint's weights on the JVM backend. */
    private static float[] logits(ResNet model, Contents checkpoint, Entry input) throws IOException {
        Checkpoint.restore(model, checkpoint);
        int batch = (int) input.shape()[0];
        try (Backend backend = new JvmBackend(2);
             Backend.Executable inference = backend.compile(model.compileInference(batch))) {
            Plan plan = inference.plan();
            System.arraycopy(input.floats(), 0, plan.input().data(), 0, plan.input().size());
            Arrays.fill(plan.labels(), -1);
            inference.run();
            return plan.logits().data().clone();
        }
    }

    @Test
    void parameterCountsMatchTorchvision() throws Exception {
        assertAll(
                () -> assertEquals("11689512", params("resnet18", "3x224x224", "1000")),
                () -> assertEquals("25557032", params("resnet50", "3x224x224", "1000")),
                () -> assertEquals("269722", params("resnet20", "3x32x32", "10")));
    }

    @Test
    void benchMeasuresAndOnRequestProfilesTheStepByOp() throws Exception {
        Result r = python("bench", "--model", "resnet8", "--input", "3x8x8", "--classes", "10", "--batch", "4",
                "--iters", "1", "--repeats", "1", "--warmup", "0", "--threads", "1", "--profile");
        assertEquals(0, r.exitCode, r.toString());
        assertTrue(Double.parseDouble(field(r.lastLine(), "images_per_s")) > 0, r.toString());
        assertTrue(r.stderr().contains("aten::convolution_backward"), r.stderr());
    }

    /** Runs export into {@link #dir} (seed 7) and reads the checkpoint back. */
    private Contents export(String model, String input, String classes, String shortcut, int batch) throws Exception {
        List<String> args = new ArrayList<>(List.of("export", "--model", model, "--input", input, "--classes", classes,
                "--seed", "7", "--batch", Integer.toString(batch),
                "--checkpoint", dir.resolve("checkpoint.safetensors").toString(),
                "--probe", dir.resolve("probe.safetensors").toString()));
        if (shortcut != null) {
            args.addAll(List.of("--shortcut", shortcut));
        }
        Result r = python(args.toArray(String[]::new));
        assertEquals(0, r.exitCode, r.toString());
        return SafeTensors.read(dir.resolve("checkpoint.safetensors"));
    }

    private String params(String model, String input, String classes) throws Exception {
        Result r = python("params", "--model", model, "--input", input, "--classes", classes);
        assertEquals(0, r.exitCode, r.toString());
        return field(r.lastLine(), "params");
    }

    /** Learnable parameters: everything but batch-norm running statistics. */
    @Test
    void trainsARecipeOnIdxFilesAndReportsEachEpoch() throws Exception {
        Path data = Files.createDirectories(dir.resolve("idx"));
        Random random = new Random(5);
        writeIdx(data.resolve("train-images-idx3-ubyte.gz"), new int[] {96, 28, 28}, random, 256, true);
        writeIdx(data.resolve("train-labels-idx1-ubyte.gz"), new int[] {96}, random, 10, true);
        writeIdx(data.resolve("t10k-images-idx3-ubyte"), new int[] {40, 28, 28}, random, 256, false);
        writeIdx(data.resolve("t10k-labels-idx1-ubyte"), new int[] {40}, random, 10, false);
        Path recipe = dir.resolve("tiny.properties");
        Files.writeString(recipe, String.join("\n", "# a ResNet-8 by the default task's recipe", "model=resnet8",
                "dataset=fashion-mnist", "epochs=2", "batch=32", "lr=0.1", "schedule=onecycle", "nesterov=true",
                "weight_decay=5e-4", "augment_pad=2", "augment_padding=reflect", "augment_flip=true", "augment_erase=0.5", "backend=jvm"));

        Result trained = python("train", "--task", recipe.toString(), "--data", data.toString(), "--threads", "1");
        assertEquals(0, trained.exitCode, trained.toString());
        String json = trained.lastLine();
        assertEquals("\"resnet8\"", field(json, "model"), json);
        Matcher epochs = Pattern.compile("\\{\"epoch\": (\\d+), [^}]*\"test_accuracy\": ([0-9.]+), \"seconds\": ([0-9.]+), "
                + "\"train_seconds\": ([0-9.]+)}").matcher(json);
        List<double[]> rows = new ArrayList<>();
        while (epochs.find()) {
            rows.add(new double[] {Double.parseDouble(epochs.group(1)), Double.parseDouble(epochs.group(2)),
                    Double.parseDouble(epochs.group(3)), Double.parseDouble(epochs.group(4))});
        }
        assertEquals(2, rows.size(), json);
        for (int e = 0; e < 2; e++) {
            double[] row = rows.get(e);
            assertEquals(e + 1, row[0], json);
            assertTrue(row[1] >= 0 && row[1] <= 1 && row[1] * 40 == Math.rint(row[1] * 40), "accuracy of 40 images: " + json);
            assertTrue(row[2] > 0, json);
        }
        assertEquals(rows.get(0)[2] + rows.get(1)[2], rows.get(1)[3], 0.011, "train_seconds sums the epochs: " + json);
        assertTrue(trained.stderr.contains("epoch 2/2: loss "), trained.stderr);

        Files.writeString(recipe, "model=resnet8\nholdout=10\n");
        Result refused = python("train", "--task", recipe.toString(), "--data", data.toString());
        assertEquals(2, refused.exitCode, refused.toString());
        assertTrue(refused.lastLine().contains("holdout=10 is not implemented on the PyTorch side"), refused.toString());

        Files.writeString(recipe, "model=resnet8\naugment_erase=2\n");
        Result badErasing = python("train", "--task", recipe.toString(), "--data", data.toString());
        assertEquals(2, badErasing.exitCode, badErasing.toString());
        assertTrue(badErasing.lastLine().contains("augment_erase must be a probability from 0 to 1"), badErasing.toString());

        Files.writeString(recipe, "model=resnet8\n");
        Result noData = python("train", "--task", recipe.toString(), "--data", dir.resolve("none").toString());
        assertEquals(2, noData.exitCode, noData.toString());
        assertTrue(noData.lastLine().contains("no train-images-idx3-ubyte[.gz] in"), noData.toString());
    }

    /** An IDX file of unsigned bytes, random values below {@code bound}, raw or gzip-compressed. */
    private static void writeIdx(Path file, int[] dims, Random random, int bound, boolean gzip) throws IOException {
        int count = 1;
        for (int d : dims) {
            count *= d;
        }
        ByteBuffer buffer = ByteBuffer.allocate(4 + 4 * dims.length + count);
        buffer.put(new byte[] {0, 0, 8, (byte) dims.length});
        for (int d : dims) {
            buffer.putInt(d);
        }
        for (int i = 0; i < count; i++) {
            buffer.put((byte) random.nextInt(bound));
        }
        try (OutputStream out = gzip ? new GZIPOutputStream(Files.newOutputStream(file))
                : Files.newOutputStream(file)) {
            out.write(buffer.array());
        }
    }

    private static long parameterCount(Map<String, Entry> tensors) {
        return tensors.entrySet().stream()
                .filter(e -> !e.getKey().matches(".*\\.(running_mean|running_var|num_batches_tracked)"))
                .mapToLong(e -> e.getValue().size())
                .sum();
    }

    /** A scalar field of the flat JSON line the script prints. */
    private static String field(String json, String key) {
        Matcher m = Pattern.compile("\"" + Pattern.quote(key) + "\": ([^,}]+)").matcher(json);
        assertTrue(m.find(), "no " + key + " in " + json);
        return m.group(1).trim();
    }

    private Result python(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(PYTHON.toString(), script.toString()));
        command.addAll(List.of(args));
        return run(command);
    }

    private record Result(int exitCode, String stdout, String stderr) {
        String lastLine() {
            String[] lines = stdout.strip().split("\n");
            return lines[lines.length - 1];
        }
    }

    private static Result run(List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("torch-interop", ".out");
        Path err = Files.createTempFile("torch-interop", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("timed out: " + command);
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** scripts/torch_interop.py in the nearest directory above the working directory that has it. */
    private static Path findScript() {
        for (Path d = Paths.get("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path candidate = d.resolve("scripts").resolve("torch_interop.py");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("scripts/torch_interop.py not found above " + Paths.get("").toAbsolutePath());
    }
}
