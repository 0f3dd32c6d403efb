package io.tornadoresnet.check;

import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.HostExecutable;
import io.tornadoresnet.plan.KernelReferenceBackend;
import io.tornadoresnet.plan.Plan;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The checks catch a backend that is off; the passing side is JvmBackendConformanceTest. */
class BackendChecksTest {

    /** The kernels, with every value the step writes into the metrics (the loss) off by 1%. */
    private static final class OffByOnePercent implements Backend {
        private final KernelReferenceBackend kernels = new KernelReferenceBackend();

        @Override
        public String name() {
            return "off";
        }

        @Override
        public String device() {
            return "test";
        }

        @Override
        public Executable compile(Plan plan) {
            Executable inner = kernels.compile(plan);
            return new HostExecutable(plan, new Runnable[] {inner::run, () -> {
                float[] metrics = plan.metrics().data();
                for (int i = 0; i < metrics.length; i++) {
                    metrics[i] *= 1.01f;
                }
            }});
        }

        @Override
        public void close() {
        }
    }

    @Test
    void aLossOffByOnePercentFailsTheStepLossCheckAndTheKernelsPassIt() {
        assertFalse(run(new OffByOnePercent(), "resnet20/step loss").passed());
        assertTrue(run(new KernelReferenceBackend(), "resnet20/step loss").passed());
    }

    private static CheckResult run(Backend backend, String name) {
        try (BackendChecks suite = new BackendChecks(backend)) {
            Check check = suite.checks().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
            return CheckResult.run(check);
        }
    }
}
