package io.tornadoresnet.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Lists of ints and longs that grow in fixed chunks, each kept where it was written: a list of a
 * million entries grows without the doubled and copied arrays of a growing array, which the
 * collector would promote to the old generation and keep there until a full collection. Written
 * by one thread while a data set is listed, read by any once it is built.
 */
final class Chunks {
    /** Entries per chunk. */
    static final int SIZE = 1 << 13;
    private static final int BITS = Integer.numberOfTrailingZeros(SIZE);

    private Chunks() {
    }

    /** A growing list of ints. */
    static final class Ints {
        private final List<int[]> chunks = new ArrayList<>();
        private int size;

        void add(int value) {
            int slot = size & (SIZE - 1);
            if (slot == 0) {
                chunks.add(new int[SIZE]);
            }
            chunks.get(chunks.size() - 1)[slot] = value;
            size++;
        }

        int get(int i) {
            Objects.checkIndex(i, size);
            return chunks.get(i >>> BITS)[i & (SIZE - 1)];
        }

        int size() {
            return size;
        }
    }

    /** A growing list of longs. */
    static final class Longs {
        private final List<long[]> chunks = new ArrayList<>();
        private int size;

        void add(long value) {
            int slot = size & (SIZE - 1);
            if (slot == 0) {
                chunks.add(new long[SIZE]);
            }
            chunks.get(chunks.size() - 1)[slot] = value;
            size++;
        }

        long get(int i) {
            Objects.checkIndex(i, size);
            return chunks.get(i >>> BITS)[i & (SIZE - 1)];
        }

        int size() {
            return size;
        }
    }
}
