package io.tornadoresnet.backend.tornado;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * The device memory a compiled plan holds: TornadoVM allocates one device buffer per Java array a
 * graph names, of the array's bytes plus its 16-byte header, and keeps it until the plan closes.
 * (TornadoVM 5.2's own {@code getCurrentDeviceMemoryUsage()} only ever subtracts what it frees.)
 */
final class DeviceMemory {
    static final int ARRAY_HEADER = 16;

    private DeviceMemory() {
    }

    /** Bytes of the distinct arrays the tasks use, each with its header. */
    static long bytes(List<Residency.TaskUse> tasks) {
        Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        long total = 0;
        for (Residency.TaskUse task : tasks) {
            for (Object array : task.arrays()) {
                if (seen.add(array)) {
                    total += ARRAY_HEADER + switch (array) {
                        case float[] f -> 4L * f.length;
                        case int[] i -> 4L * i.length;
                        default -> throw new IllegalArgumentException("a task argument that is no float[] or int[]: "
                                + array.getClass().getSimpleName());
                    };
                }
            }
        }
        return total;
    }
}
