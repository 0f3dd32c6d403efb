package io.tornadoresnet.plan;

import io.tornadoresnet.check.BackendChecks;
import io.tornadoresnet.check.CheckResult;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The conformance suite every host backend passes, as JUnit tests: each check of
 * {@link BackendChecks} (the same checks as {@code resnet check --backend jvm}) is one test. A
 * backend's test class extends this one and says how to open the backend.
 */
public abstract class BackendConformance {

    protected abstract Backend open();

    @TestFactory
    Stream<DynamicTest> everyCheckPasses() {
        BackendChecks suite = new BackendChecks(open());
        return suite.checks().stream().map(check -> DynamicTest.dynamicTest(check.name(), () -> {
            CheckResult r = CheckResult.run(check);
            assertTrue(r.passed(), () -> String.format("%s: error %.3g over %.1g (%s)", r.name(), r.maxError(),
                    r.tolerance(), r.detail()));
        })).onClose(suite::close);
    }
}
