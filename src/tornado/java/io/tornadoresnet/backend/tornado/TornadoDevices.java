package io.tornadoresnet.backend.tornado;

import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoRuntime;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.runtime.TornadoRuntimeProvider;

import java.util.ArrayList;
import java.util.List;

/** TornadoVM's devices as the command line names them: "driver:device", the indices of {@code tornado --devices}. */
public final class TornadoDevices {
    private TornadoDevices() {
    }

    /** Every device of every driver TornadoVM loaded, in TornadoVM's order (its default driver first). */
    public static List<String> all() {
        TornadoRuntime runtime = TornadoRuntimeProvider.getTornadoRuntime();
        List<String> ids = new ArrayList<>();
        for (int b = 0; b < runtime.getNumBackends(); b++) {
            for (int d = 0; d < runtime.getBackend(b).getNumDevices(); d++) {
                ids.add(b + ":" + d);
            }
        }
        return ids;
    }

    /** The device "driver:device" names, or null for a null id (TornadoVM's default device). */
    static TornadoDevice byId(String id) {
        if (id == null) {
            return null;
        }
        String[] parts = id.trim().split(":");
        int driver;
        int index;
        try {
            if (parts.length != 2) {
                throw new NumberFormatException();
            }
            driver = Integer.parseInt(parts[0]);
            index = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--device takes DRIVER:DEVICE as `tornado --devices` lists them, e.g. 0:0; got '"
                    + id + "'");
        }
        try {
            return TornadoExecutionPlan.getDevice(driver, index);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("no TornadoVM device " + id + " (see `tornado --devices`): " + e.getMessage(), e);
        }
    }
}
