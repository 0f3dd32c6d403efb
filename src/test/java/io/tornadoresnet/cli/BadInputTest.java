package io.tornadoresnet.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.tornadoresnet.cli.MainTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every bad number, shape, name or folder on the command line gets one line on stderr naming the
 * option and what is wrong, and no work starts: no run folder, no training log.
 */
class BadInputTest {
    @TempDir
    Path dir;

    /** A small synthetic run with some options added or replaced. */
    private MainTest.Run train(String... options) {
        Map<String, String> base = new LinkedHashMap<>(Map.of("--model", "resnet8", "--input", "1x8x8",
                "--epochs", "1", "--threads", "1", "--out", dir.resolve("run").toString()));
        List<String> argv = new ArrayList<>(List.of("train", "--synthetic"));
        for (int i = 0; i < options.length; i += 2) {
            base.remove(options[i]);
            argv.add(options[i]);
            argv.add(options[i + 1]);
        }
        base.forEach((option, value) -> argv.addAll(List.of(option, value)));
        return run(argv.toArray(String[]::new));
    }

    private void assertRefused(MainTest.Run r, int status, String line) {
        assertEquals(status, r.status(), r.err());
        String[] lines = r.err().strip().split("\n");
        assertTrue(lines[0].startsWith("resnet train: ") && lines[0].contains(line), "'" + line + "' in " + r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertFalse(r.err().contains("training resnet8"), "work started: " + r.err());
        assertFalse(Files.exists(dir.resolve("run")), "the run folder was created");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--batch        | 0          | --batch 0: must be from 1 to 65536",
            "--batch        | -1         | --batch -1: must be from 1 to 65536",
            "--batch        | 1000000000 | --batch 1000000000: must be from 1 to 65536",
            "--batch        | many       | --batch many: must be a whole number",
            "--epochs       | 0          | --epochs 0: must be from 1 to 100000",
            "--epochs       | -3         | --epochs -3: must be from 1",
            "--epochs       | 1e12       | --epochs 1e12: must be a whole number",
            "--lr           | 0          | --lr 0: must be a finite number above 0",
            "--lr           | -0.1       | --lr -0.1: must be a finite number above 0",
            "--lr           | NaN        | --lr NaN: must be a finite number above 0",
            "--lr           | Infinity   | --lr Infinity: must be a finite number above 0",
            "--limit-train  | -5         | --limit-train -5: must be 0 or more",
            "--limit-test   | -5         | --limit-test -5: must be 0 or more",
            "--holdout      | -1         | --holdout -1: must be 0 or more",
            "--threads      | 0          | --threads 0: must be from 1 to 1024",
            "--threads      | -2         | --threads -2: must be from 1 to 1024",
            "--threads      | 100000     | --threads 100000: must be from 1 to 1024",
            "--input        | 3x32       | --input 3x32: not an image shape CxHxW",
            "--input        | 0x32x32    | --input 0x32x32: every size must be positive",
            "--input        | axbxc      | --input axbxc: not an image shape CxHxW",
            "--input        | 3x-8x8     | --input 3x-8x8: every size must be positive",
            "--input        | 3x100000x100000 | --input 3x100000x100000: more than",
            "--model        | resnet7    | --model resnet7: unknown model 'resnet7'",
            "--model        | vgg16      | --model vgg16: unknown model 'vgg16'",
            "--schedule     | linear     | --schedule linear: must be one of cosine, onecycle, step",
            "--shortcut     | C          | --shortcut C: must be one of a, b",
            "--backend      | cuda       | --backend cuda: must be one of jvm, tornado",
            "--seed         | x          | --seed x: not a whole number",
            "--checkpoint-every | -1    | --checkpoint-every -1: must be 0 or more",
            "--checkpoint-every | often | --checkpoint-every often: must be a whole number, 0 or more",
    })
    void badOptionValuesAreUsageErrors(String option, String value, String line) {
        assertRefused(train(option, value), 2, line);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "batch=0         | --set batch=0: must be from 1 to 65536",
            "lr=NaN          | --set lr=NaN: must be a finite number above 0",
            "momentum=1.5    | --set momentum=1.5: must be at least 0 and below 1",
            "weight_decay=-1 | --set weight_decay=-1: must be a finite number, 0 or more",
            "modle=resnet20  | --set modle=resnet20: no such recipe key; the keys are description, model,",
            "eval_batch=0    | --set eval_batch=0: must be from 1 to 65536",
            "augment_flip=maybe | --set augment_flip=maybe: must be one of false, true",
            "checkpoint_every=-1 | --set checkpoint_every=-1: must be 0 or more",
            "checkpoint_every=1.5 | --set checkpoint_every=1.5: must be a whole number, 0 or more",
            "skip_nonfinite=maybe | --set skip_nonfinite=maybe: must be one of false, true",
    })
    void badSetValuesAreUsageErrorsNamingTheKey(String set, String line) {
        assertRefused(train("--set", set), 2, line);
    }

    @Test
    void optionsWinOverSet() {
        assertRefused(train("--set", "batch=64", "--batch", "0"), 2, "--batch 0:");
    }

    @Test
    void aBadTaskFileIsNamed() throws IOException {
        Path task = dir.resolve("mine.properties");
        Files.writeString(task, "model=resnet8\nbatch=-4\n");
        assertRefused(train("--task", task.toString()), 1, task + ": batch=-4: must be from 1 to 65536");
        Files.writeString(task, "modle=resnet8\n");
        assertRefused(train("--task", task.toString()), 1, task + ": modle=resnet8: no such recipe key");
        assertRefused(train("--task", dir.resolve("none.properties").toString()), 1, "no recipe at");
    }

    @Test
    void aBatchTooLargeForTheHeapIsOneLineNamingBatchBeforeTheRunFolder() {
        MainTest.Run r = train("--model", "resnet1202", "--input", "3x32x32", "--batch", "2048");
        assertRefused(r, 1, "resnet1202 at 3x32x32, batch 2048 needs about ");
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().matches("resnet train: .* for training; this JVM may use .* \\(-Xmx\\): lower --batch or "
                + "raise -Xmx\n"), r.err());
    }

    @Test
    void anOutputFolderThatCannotBeWrittenIsRefusedBeforeTraining() throws IOException {
        Path file = dir.resolve("a-file");
        Files.writeString(file, "x");
        MainTest.Run under = run("train", "--synthetic", "--model", "resnet8", "--input", "1x8x8", "--epochs", "1",
                "--out", file.resolve("run").toString());
        assertEquals(1, under.status(), under.err());
        assertTrue(under.err().startsWith("resnet train: --out " + file.resolve("run") + ": " + file
                + " is a file, not a folder"), under.err());
        assertFalse(under.err().contains("training"), under.err());
        MainTest.Run itself = run("train", "--synthetic", "--model", "resnet8", "--input", "1x8x8", "--epochs", "1",
                "--out", file.toString());
        assertEquals(1, itself.status(), itself.err());
        assertTrue(itself.err().contains(file + " is a file, not a folder"), itself.err());
    }

    @Test
    void aMissingResumeCheckpointIsNamed() {
        assertRefused(train("--resume", dir.resolve("nothing.safetensors").toString()), 1,
                "--resume " + dir.resolve("nothing.safetensors") + ": no checkpoint file there");
    }

    @Test
    void syntheticAndDatasetExcludeEachOther() {
        assertRefused(train("--dataset", "cifar10"), 2, "--synthetic and --dataset cifar10 exclude each other");
    }

    @Test
    void deviceIsForTornadoAndThreadsForTheJvm() {
        assertRefused(train("--device", "0:0"), 2, "--device is for the tornado backend");
        assertRefused(train("--backend", "tornado", "--threads", "2"), 2, "--threads is for the jvm backend");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "--batch   | 0        | --batch 0: must be from 1 to 65536",
            "--iters   | 0        | --iters 0: must be from 1",
            "--repeats | -1       | --repeats -1: must be from 1",
            "--warmup  | -1       | --warmup -1: must be from 0",
            "--threads | 0        | --threads 0: must be from 1 to 1024",
            "--classes | 1        | --classes 1: must be from 2",
            "--input   | 1x8      | '1x8': not an image shape CxHxW",
            "--mode    | backward | '--mode': expected one of [TRAIN, INFER]",
    })
    void benchRefusesBadNumbers(String option, String value, String line) {
        MainTest.Run r = run("bench", "--model", "resnet8", "--input", "1x8x8", option, value);
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().startsWith("resnet bench: ") && r.err().contains(line), r.err());
        assertFalse(r.out().contains("images/s"), r.out());
    }

    @Test
    void evalAndPredictNameTheirFiles() throws IOException {
        MainTest.Run folder = run("eval", "--checkpoint", dir.toString());
        assertEquals(1, folder.status());
        assertTrue(folder.err().contains("--checkpoint " + dir + " is a folder"), folder.err());
        MainTest.Run missing = run("eval", "--checkpoint", dir.resolve("x.safetensors").toString());
        assertEquals(1, missing.status());
        assertTrue(missing.err().contains("--checkpoint " + dir.resolve("x.safetensors") + ": no such file"),
                missing.err());
        Path checkpoint = dir.resolve("c.safetensors");
        Files.writeString(checkpoint, "x");
        MainTest.Run noImage = run("predict", "--checkpoint", checkpoint.toString(), dir.resolve("a.png").toString());
        assertEquals(1, noImage.status());
        assertTrue(noImage.err().contains(dir.resolve("a.png") + ": no such image file"), noImage.err());
        MainTest.Run badBatch = run("eval", "--checkpoint", dir.resolve("x.safetensors").toString(), "--batch", "0");
        assertEquals(2, badBatch.status(), "the options are checked first: " + badBatch.err());
        assertTrue(badBatch.err().contains("--batch 0: must be from 1 to 65536"), badBatch.err());
    }
}
