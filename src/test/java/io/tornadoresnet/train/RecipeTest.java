package io.tornadoresnet.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecipeTest {

    @Test
    void loadsDefaultsOverridesAndRoundTripsItsText(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("my-task.properties");
        Files.writeString(file, "# a comment\nmodel=resnet56\nlr=0.05\ndata=/tmp/some dir\\\\x\n");
        Recipe r = Recipe.load(file);
        assertEquals("my-task", r.name());
        assertEquals("resnet56", r.get("model"));
        assertEquals(0.05, r.real("lr"));
        assertEquals(128, r.integer("batch"));
        Recipe changed = r.with(Map.of("epochs", "3"));
        assertEquals(3, changed.integer("epochs"));
        assertEquals(15, r.integer("epochs"));
        Recipe back = Recipe.parse("my-task", changed.text());
        assertEquals(changed.text(), back.text());
        assertEquals("/tmp/some dir\\x", back.get("data"));
    }

    @Test
    void rejectsUnknownKeysAndBadValues(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("typo.properties");
        Files.writeString(file, "modle=resnet20\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Recipe.load(file));
        assertTrue(e.getMessage().contains("modle"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Recipe.defaults("x").with("batch", "many").integer("batch"));
        assertThrows(IllegalArgumentException.class, () -> Recipe.defaults("x").with("nesterov", "yes").bool("nesterov"));
        assertThrows(IOException.class, () -> Recipe.load(dir.resolve("missing.properties")));
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
                LearningRateSchedule.parse(r.get("schedule"), r.real("lr"), r.get("milestones"), 100, 1000,
                        r.integer("warmup_steps"), r.real("warmup_lr"));
                Trainer.normalizationKind(r.get("normalization"));
                r.bool("nesterov");
                r.bool("augment_flip");
            }
        }
    }
}
