package io.tornadoresnet.backend.tornado;

import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.plan.Stage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.TornadoDeviceType;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs plans with TornadoVM: each stage of a plan becomes one {@code TaskGraph} whose tasks are
 * the project's kernel methods or, where {@link Routines} picks one, a device routine held to them
 * (tiled convolutions, work-group reductions, fused element-wise ops; {@link Tuning} says which,
 * per device type and system property), and all graphs of a plan live in one {@code TornadoExecutionPlan},
 * so that weights, gradients, momentum, running statistics and activations stay on the device.
 * Per step only the batch, the labels and the learning rate go in, and only the metrics (and, for
 * inference, the scores) come out. See {@link Residency} for how buffers cross graphs.
 *
 * <p>Needs TornadoVM's JVM (java with {@code @$TORNADOVM_HOME/tornado-argfile}); the CLI
 * creates it by reflection with {@link #TornadoBackend(String)}.
 */
public final class TornadoBackend implements Backend {
    private static final Logger LOG = LoggerFactory.getLogger(TornadoBackend.class);
    private static final AtomicInteger PLANS = new AtomicInteger();

    /**
     * TornadoVM 5.2 compiles each task graph into at most this many bytes of its own bytecode
     * (default 4096, too few for a graph of a hundred buffers). Read once, when TornadoVM first
     * compiles a graph: set it on the command line ({@code tornado_java_args} does) or let the
     * constructor set it before that.
     */
    static final String BYTECODE_SIZE_PROPERTY = "tornado.tvm.maxbytecodesize";
    static final String BYTECODE_SIZE = "1048576";

    private final TornadoDevice device;
    private final String deviceSpec;
    private final boolean profile;
    private final Tuning tuning;

    /** @param device "driver:device" as TornadoVM numbers them ({@code tornado --devices}), or null for its default */
    public TornadoBackend(String device) {
        this(device, false);
    }

    /**
     * @param profile whether to run every plan with TornadoVM's profiler (silent), so that
     *                {@link TornadoExecutable#bytesCopiedIn()} and friends report each step's transfers
     */
    public TornadoBackend(String device, boolean profile) {
        if (System.getProperty("tornado.load.api.implementation") == null) {
            throw new IllegalStateException("the tornado backend runs only in TornadoVM's JVM: start java with "
                    + "@$TORNADOVM_HOME/tornado-argfile (source tornado-env.sh; tornado_java_args prints the options)");
        }
        if (!SignalChaining.active()) {
            LOG.warn(SignalChaining.advice());
        }
        if (System.getProperty(BYTECODE_SIZE_PROPERTY) == null) {
            System.setProperty(BYTECODE_SIZE_PROPERTY, BYTECODE_SIZE);
        }
        this.device = TornadoDevices.byId(device);
        this.deviceSpec = device == null ? "default" : device.trim();
        this.profile = profile;
        TornadoDevice d = this.device != null ? this.device : TornadoExecutionPlan.DEFAULT_DEVICE;
        this.tuning = Tuning.select(d == null ? TornadoDeviceType.CPU : d.getDeviceType());
    }

    @Override
    public String name() {
        return "tornado";
    }

    @Override
    public String device() {
        TornadoDevice d = device != null ? device : TornadoExecutionPlan.DEFAULT_DEVICE;
        if (d == null) {
            return "TornadoVM " + deviceSpec;
        }
        return "TornadoVM " + deviceSpec + " " + d.getTornadoVMBackend() + " " + d.getDeviceType() + " "
                + d.getPhysicalDevice().getDeviceName();
    }

    @Override
    public TornadoExecutable compile(Plan plan) {
        for (Stage stage : plan.stages()) {
            for (Op op : stage.ops()) {
                if (op instanceof Op.ReplicaMean) {
                    throw new IllegalArgumentException("the tornado backend does not run synchronised batch norm "
                            + "(sync_bn): its stages would have to leave the device at every batch norm");
                }
            }
        }
        return new TornadoExecutable(plan, device, profile, "p" + PLANS.incrementAndGet(), tuning);
    }

    @Override
    public void close() {
    }
}
