package io.tornadoresnet.data;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Thread time spent in each stage of a streaming loader, summed over its threads, with the bytes
 * read: what {@code resnet data} prints to show where decoding time goes.
 */
public final class StageTimes {

    /** The stages of a sample, in order. */
    public enum Stage {
        READ("read"), DECODE("decode"), RESIZE("resize"), CROP_FLIP("crop/flip"), NORMALISE("normalise");

        private final String label;

        Stage(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private final AtomicLongArray nanos = new AtomicLongArray(Stage.values().length);
    private final AtomicLongArray bytes = new AtomicLongArray(1);

    /** Adds the time since {@code start} (a {@link System#nanoTime()}) to {@code stage}; returns now. */
    long lap(Stage stage, long start) {
        long now = System.nanoTime();
        nanos.addAndGet(stage.ordinal(), now - start);
        return now;
    }

    void addBytes(long count) {
        bytes.addAndGet(0, count);
    }

    /** Seconds of thread time in {@code stage}. */
    public double seconds(Stage stage) {
        return nanos.get(stage.ordinal()) / 1e9;
    }

    /** Encoded bytes read. */
    public long bytes() {
        return bytes.get(0);
    }
}
