package io.tornadoresnet.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ChunksTest {
    @Test
    void listsKeepEveryEntryAcrossChunksAndRefuseIndicesPastTheirEnd() {
        Chunks.Ints ints = new Chunks.Ints();
        Chunks.Longs longs = new Chunks.Longs();
        int n = 2 * Chunks.SIZE + 3;
        for (int i = 0; i < n; i++) {
            ints.add(i * 7 - 5);
            longs.add((long) i << 33 | i);
        }
        assertEquals(n, ints.size());
        assertEquals(n, longs.size());
        for (int i = 0; i < n; i++) {
            assertEquals(i * 7 - 5, ints.get(i));
            assertEquals((long) i << 33 | i, longs.get(i));
        }
        assertThrows(IndexOutOfBoundsException.class, () -> ints.get(n));
        assertThrows(IndexOutOfBoundsException.class, () -> longs.get(-1));
        assertEquals(0, new Chunks.Ints().size());
    }
}
