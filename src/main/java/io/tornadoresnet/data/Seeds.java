package io.tornadoresnet.data;

/** Stateless derivation of random streams from a seed, so that results never depend on call order. */
final class Seeds {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private Seeds() {
    }

    /** SplitMix64's finaliser: a bijective scramble of all 64 bits. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** A key for the pair (a, b): the seed of a stream per epoch, or per sample within one. */
    static long mix(long a, long b) {
        return mix64(a * GOLDEN + mix64(b + GOLDEN));
    }
}
