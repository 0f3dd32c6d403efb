package io.tornadoresnet.backend.tornado.check;

import io.tornadoresnet.backend.jvm.JvmBackend;
import io.tornadoresnet.backend.tornado.TornadoBackend;
import io.tornadoresnet.check.Check;
import io.tornadoresnet.check.CheckSuite;
import io.tornadoresnet.nn.CheckNets;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.nn.Sgd;
import io.tornadoresnet.tensor.Shape;

import java.util.ArrayList;
import java.util.List;

/**
 * The tornado backend's conformance checks on one device: every kernel and every device routine
 * alone ({@code kernels/...}), then ResNet-20 at batch 8 of 3x32x32 with the paper's SGD ({@code resnet20/...}) and a small
 * bottleneck ResNet at batch 4 of 3x16x16 with Nesterov SGD ({@code bottleneck/...}), step by step
 * against the plain kernels and the JVM backend, with the bytes each step moves. {@code resnet check
 * --backend tornado} runs them, and so does the JUnit conformance suite. Needs TornadoVM's JVM.
 */
public final class TornadoChecks implements CheckSuite {
    private final KernelChecks kernels;
    private final RoutineChecks routines;
    private final TornadoBackend tornado;
    private final JvmBackend jvm;
    private final NetworkChecks resnet20;
    private final NetworkChecks bottleneck;

    /** @param device "driver:device" as TornadoVM numbers them, or null for TornadoVM's default device */
    public TornadoChecks(String device) {
        this.kernels = new KernelChecks(device);
        this.routines = new RoutineChecks(device);
        this.tornado = new TornadoBackend(device, true);
        this.jvm = new JvmBackend(Runtime.getRuntime().availableProcessors());
        this.resnet20 = new NetworkChecks("resnet20", () -> ResNets.create("resnet20", Shape.of(3, 32, 32), 10), 8,
                Sgd.PAPER, tornado, jvm);
        this.bottleneck = new NetworkChecks("bottleneck", () -> CheckNets.tinyBottleneck(10), 4,
                new Sgd(0.9f, 5e-4f, true), tornado, jvm);
    }

    @Override
    public String device() {
        return tornado.device();
    }

    @Override
    public List<Check> checks() {
        List<Check> checks = new ArrayList<>(kernelChecks());
        checks.addAll(resnet20.checks());
        checks.addAll(bottleneck.checks());
        return checks;
    }

    /** The kernel checks alone: every plain kernel, then every device routine against the plain calls it replaces. */
    public List<Check> kernelChecks() {
        List<Check> checks = new ArrayList<>(kernels.checks());
        checks.addAll(routines.checks());
        return checks;
    }

    /** The checks of ResNet-20's steps alone. */
    public List<Check> resnet20Checks() {
        return resnet20.checks();
    }

    /** The checks of the bottleneck ResNet's steps alone. */
    public List<Check> bottleneckChecks() {
        return bottleneck.checks();
    }

    @Override
    public void close() {
        resnet20.close();
        bottleneck.close();
        jvm.close();
        tornado.close();
    }
}
