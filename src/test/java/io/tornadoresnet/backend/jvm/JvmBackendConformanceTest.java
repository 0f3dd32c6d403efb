package io.tornadoresnet.backend.jvm;

import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.BackendConformance;

/** The JVM backend, with two workers, against the kernels. */
class JvmBackendConformanceTest extends BackendConformance {
    @Override
    protected Backend open() {
        return new JvmBackend(2);
    }
}
