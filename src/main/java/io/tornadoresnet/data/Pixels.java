package io.tornadoresnet.data;

/** Conversion of 8-bit pixels to floats in [0,1], shared so that every path gives the same values. */
final class Pixels {
    private static final float[] UNIT = new float[256];

    static {
        for (int i = 0; i < 256; i++) {
            UNIT[i] = i / 255f;
        }
    }

    private Pixels() {
    }

    static void toUnit(byte[] src, int srcOffset, float[] dst, int dstOffset, int count) {
        for (int j = 0; j < count; j++) {
            dst[dstOffset + j] = UNIT[src[srcOffset + j] & 0xFF];
        }
    }
}
