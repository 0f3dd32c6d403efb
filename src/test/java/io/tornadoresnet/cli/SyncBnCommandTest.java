package io.tornadoresnet.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** train --sync-bn (recipe key sync_bn) from the command line. */
class SyncBnCommandTest {

    private static MainTest.Run train(Path out, String... more) {
        String[] base = {"train", "--synthetic", "--model", "resnet8", "--input", "1x8x8", "--epochs", "1",
                "--batch", "32", "--limit-train", "128", "--limit-test", "64", "--threads", "2",
                "--out", out.toString(), "--json"};
        String[] args = new String[base.length + more.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return MainTest.run(args);
    }

    /** resnet8 has 7 batch norms: one all-reduce for the gradients and two per batch norm. */
    @Test
    void twoWorkersAverageTwicePerBatchNormAndStayIdentical(@TempDir Path dir) {
        MainTest.Run synced = train(dir.resolve("sync"), "--workers", "2", "--sync-bn");
        assertEquals(0, synced.status(), synced.err());
        for (String key : new String[] {"\"workers\":2", "\"allreduce_calls_per_step\":15",
                "\"replicas_identical\":true"}) {
            assertTrue(synced.json().contains(key), key + " in " + synced.json());
        }
        MainTest.Run own = train(dir.resolve("own"), "--workers", "2");
        assertEquals(0, own.status(), own.err());
        assertTrue(own.json().contains("\"allreduce_calls_per_step\":1,"), own.json());
    }

    @Test
    void oneWorkerHasNothingToSynchronise(@TempDir Path dir) {
        MainTest.Run r = train(dir.resolve("run"), "--sync-bn");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.json().contains("\"allreduce_calls_per_step\":0,"), r.json());
        assertFalse(r.err().contains("warning"), r.err());
    }

    @Test
    void theTornadoBackendGhostBatchesAndBadValuesAreRefused(@TempDir Path dir) {
        MainTest.Run tornado = train(dir.resolve("t"), "--workers", "2", "--sync-bn", "--backend", "tornado");
        assertEquals(2, tornado.status());
        assertTrue(tornado.err().contains("--sync-bn runs on the jvm backend only"), tornado.err());
        MainTest.Run fromRecipe = train(dir.resolve("r"), "--set", "sync_bn=true", "--backend", "tornado");
        assertEquals(2, fromRecipe.status());
        assertTrue(fromRecipe.err().contains("--sync-bn runs on the jvm backend only"), fromRecipe.err());
        MainTest.Run ghost = train(dir.resolve("g"), "--sync-bn", "--ghost-batch", "2");
        assertEquals(2, ghost.status());
        assertTrue(ghost.err().contains("--ghost-batch 2: and sync_bn=true exclude each other"), ghost.err());
        MainTest.Run bad = train(dir.resolve("b"), "--set", "sync_bn=maybe");
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("sync_bn"), bad.err());
    }
}
