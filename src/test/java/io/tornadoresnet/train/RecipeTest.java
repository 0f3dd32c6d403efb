package io.tornadoresnet.train;

import io.tornadoresnet.data.Normalization;
import io.tornadoresnet.nn.Shortcut;
import io.tornadoresnet.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecipeTest {

    @Test
    void loadsTypedValuesOverridesAndRoundTripsItsText(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("my-task.properties");
        Files.writeString(file, "# a comment\nmodel=ResNet56\nlr=0.05\ndata=/tmp/some dir\\\\x\ninput=3x32x32\n"
                + "shortcut=b\nnormalization=pixel\nnesterov=true\n");
        Recipe r = Recipe.load(file);
        assertEquals("my-task", r.name());
        assertEquals(List.of("resnet56"), r.models());
        assertEquals(0.05, r.lr());
        assertEquals(128, r.batch());
        assertEquals(Shape.of(3, 32, 32), r.input());
        assertEquals(Shortcut.B, r.shortcut());
        assertEquals(Normalization.Kind.PIXEL_MEAN, r.normalization());
        assertTrue(r.sgd().nesterov());
        assertEquals(Path.of("/tmp/some dir\\x"), r.data());
        Recipe changed = r.with(Map.of("epochs", "3"));
        assertEquals(3, changed.epochs());
        assertEquals(15, r.epochs());
        Recipe back = Recipe.parse("my-task", changed.text());
        assertEquals(changed.text(), back.text());
        assertEquals(3, back.epochs());
    }

    @Test
    void defaultsLeaveDataAndInputToTheDataSet() {
        Recipe r = Recipe.defaults("x");
        assertNull(r.data());
        assertNull(r.input());
        assertEquals(List.of("resnet20"), r.models());
        assertEquals(List.of("plain20", "resnet20"), r.with("models", "plain20, resnet20").models());
    }

    @Test
    void anUnknownKeyIsNamedWithTheValidOnes(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("typo.properties");
        Files.writeString(file, "modle=resnet20\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Recipe.load(file));
        assertTrue(e.getMessage().startsWith(file + ": modle=resnet20: no such recipe key"), e.getMessage());
        assertTrue(e.getMessage().contains("epochs, batch, lr"), e.getMessage());
        Recipe.BadValueException set = assertThrows(Recipe.BadValueException.class,
                () -> Recipe.defaults("x").with("batchsize", "4"));
        assertEquals("batchsize", set.key());
    }

    @Test
    void aMissingFileIsAnIoError(@TempDir Path dir) {
        IOException e = assertThrows(IOException.class, () -> Recipe.load(dir.resolve("missing.properties")));
        assertTrue(e.getMessage().contains("no recipe at"), e.getMessage());
        assertThrows(IOException.class, () -> Recipe.load(dir));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "batch         | 0         | must be from 1 to 65536",
            "batch         | -4        | must be from 1 to 65536",
            "batch         | many      | must be a whole number",
            "batch         | 100000    | must be from 1 to 65536",
            "epochs        | 0         | must be from 1 to 100000",
            "epochs        | 1e9       | must be a whole number",
            "lr            | 0         | above 0",
            "lr            | -0.1      | above 0",
            "lr            | NaN       | above 0",
            "lr            | Infinity  | above 0",
            "lr            | fast      | must be a number",
            "momentum      | 1         | below 1",
            "weight_decay  | -1e-4     | 0 or more",
            "warmup_lr     | NaN       | 0 or more",
            "eval_batch    | 0         | must be from 1",
            "limit_train   | -1        | 0 or more",
            "limit_test    | -1        | 0 or more",
            "holdout       | -5        | 0 or more",
            "resize        | -1        | must be from 0",
            "augment_pad   | -2        | must be from 0",
            "nesterov      | yes       | must be one of false, true",
            "augment_flip  | 1         | must be one of false, true",
            "augment_erase | 1.5       | must be a probability from 0 to 1",
            "augment_erase | -0.5      | 0 or more",
            "normalization | batch     | must be one of channel, none, pixel",
            "schedule      | linear    | must be one of cosine, onecycle, step",
            "milestones    | 3x,4      | milestones are steps or epochs",
            "backend       | cuda      | must be one of jvm, tornado",
            "shortcut      | C         | must be one of a, b",
            "dataset       | imagenet  | must be one of fashion-mnist",
            "model         | resnet7   | unknown model 'resnet7'",
            "models        | resnet20,resnet9 | unknown model 'resnet9'",
            "input         | 3x32      | not an image shape CxHxW",
            "input         | 0x32x32   | every size must be positive",
            "input         | axbxc     | not an image shape CxHxW",
            "input         | 3x99999x99999 | values per image",
            "seed          | 1.5       | not a whole number",
            "augment_scale | 256       | must be MIN,MAX",
            "augment_scale | 480,256   | 0 < MIN <= MAX",
            "augment_scale | a,b       | must be MIN,MAX",
            "augment_lighting | -0.1   | 0 or more",
            "strict        | maybe     | must be one of false, true",
            "data_threads  | -1        | must be from 0 to 1024",
    })
    void badValuesAreNamedWithTheirKey(String key, String value, String problem) {
        Recipe.BadValueException e = assertThrows(Recipe.BadValueException.class,
                () -> Recipe.defaults("x").with(key, value));
        assertEquals(key, e.key());
        assertEquals(value, e.value());
        assertTrue(e.problem().contains(problem), e.getMessage());
        assertTrue(e.getMessage().startsWith(key + "=" + value + ": "), e.getMessage());
    }

    @Test
    void theResNet56TaskErasesHalfItsTrainingImagesFor60Epochs() throws IOException {
        Recipe r = Recipe.load(Path.of("tasks/fashion-mnist-resnet56.properties"));
        assertEquals(60, r.epochs());
        assertEquals(0.5f, r.augmentation().erase());
        assertEquals("pad 2 reflect + random crop + random flip + random erasing 0.5", r.augmentation().toString());
        assertEquals(0f, Recipe.load(Path.of("tasks/fashion-mnist-resnet20.properties")).augmentation().erase());
    }

    @Test
    void theImageNetTaskHasThePapersAugmentationAndSchedule() throws IOException {
        Recipe r = Recipe.load(Path.of("tasks/imagenet-resnet50.properties"));
        assertEquals(256, r.augmentation().scaleMin());
        assertEquals(480, r.augmentation().scaleMax());
        assertEquals(0.1f, r.augmentation().lighting());
        assertTrue(r.augmentation().flip());
        assertEquals(io.tornadoresnet.data.Normalization.Kind.PIXEL_MEAN, r.normalization());
        assertEquals(256, r.batch());
        assertEquals(0.9f, r.sgd().momentum());
        assertEquals(1e-4f, r.sgd().weightDecay());
        LearningRateSchedule schedule = r.schedule(10, 900);
        assertEquals(0.1, schedule.rate(299), 1e-12);
        assertEquals(0.01, schedule.rate(300), 1e-12);
        assertEquals(0.001, schedule.rate(600), 1e-12);
        assertEquals(4, r.with(Map.of("data_threads", "4", "strict", "true")).imageSettings().threads());
        assertTrue(r.with("strict", "true").imageSettings().strict());
    }

    @Test
    void nesterovNeedsMomentum() {
        Recipe.BadValueException e = assertThrows(Recipe.BadValueException.class,
                () -> Recipe.defaults("x").with(Map.of("nesterov", "true", "momentum", "0")));
        assertEquals("nesterov", e.key());
    }

    @Test
    void everyCommittedTaskParses() throws IOException {
        Path tasks = Path.of("tasks");
        try (var files = Files.list(tasks)) {
            List<Path> all = files.filter(p -> p.toString().endsWith(".properties")).toList();
            assertTrue(all.size() >= 9, "tasks found: " + all);
            for (Path p : all) {
                Recipe r = Recipe.load(p);
                r.models().forEach(m -> assertTrue(m.matches("(resnet|plain)\\d+"), m));
                r.schedule(100, 1000).rate(0);
            }
        }
    }
}
