package io.tornadoresnet.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tornadoresnet.tensor.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SplitsTest {
    private static final InMemoryDataset DATA = TestData.dataset(50, Shape.of(1, 2, 2), 5, 3);

    /** The original index of each image of a view, found by its pixels. */
    private static List<Integer> originals(Dataset view) {
        List<Integer> found = new ArrayList<>();
        for (int i = 0; i < view.size(); i++) {
            float[] image = TestData.image(view, i);
            for (int k = 0; k < DATA.size(); k++) {
                if (Arrays.equals(image, TestData.image(DATA, k))) {
                    found.add(k);
                    assertEquals(DATA.label(k), view.label(i));
                    break;
                }
            }
        }
        return found;
    }

    @Test
    void holdOutPartitionsTheDataSetBySeed() {
        Splits.Split split = Splits.holdOut(DATA, 10, 42);
        assertEquals(40, split.train().size());
        assertEquals(10, split.validation().size());
        List<Integer> train = originals(split.train());
        List<Integer> validation = originals(split.validation());
        Set<Integer> all = new HashSet<>(train);
        all.addAll(validation);
        assertEquals(50, all.size(), "disjoint and complete");
        assertEquals(train.stream().sorted().toList(), train, "original order kept");
        assertEquals(validation, originals(Splits.holdOut(DATA, 10, 42).validation()));
        assertNotEquals(validation, originals(Splits.holdOut(DATA, 10, 43).validation()));
        assertNotEquals(List.of(40, 41, 42, 43, 44, 45, 46, 47, 48, 49), validation, "random, not the last ten");
        assertEquals(DATA.classNames(), split.train().classNames());
        assertEquals(DATA.imageShape(), split.validation().imageShape());
        assertThrows(IllegalArgumentException.class, () -> Splits.holdOut(DATA, 50, 1));
    }

    @Test
    void limitKeepsTheFirstImages() {
        Dataset first = Splits.limit(DATA, 7);
        assertEquals(7, first.size());
        for (int i = 0; i < 7; i++) {
            assertArrayEquals(TestData.image(DATA, i), TestData.image(first, i));
            assertEquals(DATA.label(i), first.label(i));
        }
        assertSame(DATA, Splits.limit(DATA, 50));
        assertSame(DATA, Splits.limit(DATA, 1000));
        assertThrows(IllegalArgumentException.class, () -> Splits.limit(DATA, 0));
        assertEquals(List.of(3), originals(Splits.limit(Splits.subset(DATA, new int[] {3, 9}), 1)));
        assertThrows(IndexOutOfBoundsException.class, () -> Splits.subset(DATA, new int[] {50}));
    }
}
