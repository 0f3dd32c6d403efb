package io.tornadoresnet.testing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;

/**
 * One change to a file's bytes, as a bad disk, a cut download or a hostile writer makes: a bit
 * flip, a byte set, a truncation, bytes inserted or deleted, or a header field overwritten with a
 * value chosen to hurt (zero, negative, huge). Positions wrap around the file, so any mutation
 * applies to any file.
 */
public record Mutation(Kind kind, int position, int value) {

    public enum Kind {
        FLIP_BIT, SET_BYTE, TRUNCATE, INSERT, DELETE, HEADER_INT_BIG_ENDIAN, HEADER_INT_LITTLE_ENDIAN
    }

    /** Header fields are looked for in the first this many bytes. */
    private static final int HEADER_BYTES = 32;
    private static final int[] HOSTILE_INTS = {0, 1, -1, -8, 2, 3, 28, 255, 256, 65535, 1 << 16, 1 << 24,
            Integer.MAX_VALUE, Integer.MAX_VALUE - 8, Integer.MIN_VALUE, 0x00000801, 0x00000803};

    public byte[] apply(byte[] in) {
        int n = in.length;
        int at = n == 0 ? 0 : Math.floorMod(position, n);
        switch (kind) {
            case FLIP_BIT -> {
                byte[] out = in.clone();
                if (n > 0) {
                    out[at] ^= (byte) (1 << Math.floorMod(value, 8));
                }
                return out;
            }
            case SET_BYTE -> {
                byte[] out = in.clone();
                if (n > 0) {
                    out[at] = (byte) value;
                }
                return out;
            }
            case TRUNCATE -> {
                return Arrays.copyOf(in, at);
            }
            case INSERT -> {
                int count = 1 + Math.floorMod(value, 16);
                byte[] out = new byte[n + count];
                System.arraycopy(in, 0, out, 0, at);
                Arrays.fill(out, at, at + count, (byte) value);
                System.arraycopy(in, at, out, at + count, n - at);
                return out;
            }
            case DELETE -> {
                int count = Math.min(n - at, 1 + Math.floorMod(value, 16));
                byte[] out = new byte[n - count];
                System.arraycopy(in, 0, out, 0, at);
                System.arraycopy(in, at + count, out, at, n - at - count);
                return out;
            }
            default -> {
                int fields = Math.min(n, HEADER_BYTES) / 4;
                if (fields == 0) {
                    return in.clone();
                }
                ByteOrder order = kind == Kind.HEADER_INT_BIG_ENDIAN ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
                byte[] out = in.clone();
                ByteBuffer.wrap(out).order(order).putInt(Math.floorMod(position, fields) * 4, value);
                return out;
            }
        }
    }

    /** Applies the mutations in order. */
    public static byte[] applyAll(List<Mutation> mutations, byte[] in) {
        byte[] out = in;
        for (Mutation m : mutations) {
            out = m.apply(out);
        }
        return out;
    }

    /** One to four mutations; header values lean to the hostile ones. */
    public static Arbitrary<List<Mutation>> lists() {
        Arbitrary<Integer> values = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, Arbitraries.integers()),
                net.jqwik.api.Tuple.of(2, Arbitraries.of(Arrays.stream(HOSTILE_INTS).boxed().toList())));
        Arbitrary<Mutation> one = Combinators.combine(Arbitraries.of(Kind.class),
                Arbitraries.integers().greaterOrEqual(0), values).as(Mutation::new);
        return one.list().ofMinSize(1).ofMaxSize(4);
    }
}
