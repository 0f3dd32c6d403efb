package io.tornadoresnet.backend.tornado;

import io.tornadoresnet.backend.tornado.check.TornadoChecks;
import io.tornadoresnet.check.Check;
import io.tornadoresnet.check.CheckResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tornado backend's conformance suite as JUnit tests on TornadoVM's default device: each check
 * of {@link TornadoChecks} (the same checks as {@code resnet check --backend tornado}) is one test.
 * The network checks share compiled plans and run in order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TornadoConformanceTest {
    private TornadoChecks suite;

    @BeforeAll
    void open() {
        // the profile's default test execution sees this class too (e.g. with -Dtest=...), outside TornadoVM's JVM
        Assumptions.assumeTrue(System.getProperty("tornado.load.api.implementation") != null,
                "not in TornadoVM's JVM (runs in the tornado-conformance execution)");
        suite = new TornadoChecks(null);
    }

    @AfterAll
    void close() {
        if (suite != null) {
            suite.close();
        }
    }

    @TestFactory
    Stream<DynamicTest> kernelsMatchTheirPlainKernels() {
        return tests(suite.kernelChecks());
    }

    @TestFactory
    Stream<DynamicTest> resnet20StepsMatchTheKernelsAndTheJvmBackend() {
        return tests(suite.resnet20Checks());
    }

    @TestFactory
    Stream<DynamicTest> bottleneckStepsMatchTheKernelsAndTheJvmBackend() {
        return tests(suite.bottleneckChecks());
    }

    private static Stream<DynamicTest> tests(List<Check> checks) {
        return checks.stream().map(check -> DynamicTest.dynamicTest(check.name(), () -> {
            CheckResult r = CheckResult.run(check);
            System.out.printf("%s: error %.3g (tolerance %.1g) %s%n", r.name(), r.maxError(), r.tolerance(), r.detail());
            assertTrue(r.passed(), () -> String.format("%s: error %.3g over %.1g (%s)", r.name(), r.maxError(),
                    r.tolerance(), r.detail()));
        }));
    }
}
