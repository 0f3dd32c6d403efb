package io.tornadoresnet.plan;

import java.util.Locale;

/**
 * The check that a plan fits in this JVM's heap before it is allocated. It concerns the host side
 * only: the tornado backend keeps the same tensors on the host as well, and what its device can
 * hold is TornadoVM's to report.
 */
public final class HostMemory {

    private HostMemory() {
    }

    /**
     * Fails, with the estimate and the limit, when {@code bytes} are more than this JVM may ever
     * use ({@link Runtime#maxMemory()}, set with -Xmx).
     *
     * @param what what needs the memory, e.g. "resnet152 at 3x224x224, batch 4096"
     * @param purpose what for, e.g. "training"
     */
    public static void require(String what, String purpose, long bytes) {
        long limit = Runtime.getRuntime().maxMemory();
        if (bytes > limit) {
            throw new IllegalArgumentException(what + " needs about " + human(bytes) + " for " + purpose
                    + "; this JVM may use " + human(limit) + " (-Xmx): lower the batch size or raise -Xmx");
        }
    }

    /** Bytes in binary units, two or three significant digits: "310 GiB", "5.2 GiB", "812 MiB". */
    static String human(long bytes) {
        String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? bytes + " bytes"
                : String.format(Locale.ROOT, value < 10 ? "%.1f %s" : "%.0f %s", value, units[unit]);
    }
}
