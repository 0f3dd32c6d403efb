#!/usr/bin/env bash
# Runs the tornado backend's conformance suite (src/tornado-test/java: every kernel, whole
# training steps of ResNet-20 and a bottleneck ResNet, a 20-step loss curve, the profiler's
# transfer counts) against the JVM backend, in TornadoVM's JVM, when a TornadoVM SDK with a device
# is here. Otherwise it prints one line saying why it skipped, and exits 0.
#
#   scripts/tornado-conformance.sh            # all of it (about 5 minutes on a 2-core CPU OpenCL device)
#   scripts/tornado-conformance.sh kernels    # only the kernel checks (or resnet20, bottleneck)
#
# The checks are those of `scripts/resnet check --backend tornado`, which runs them from the jar.
#
# Environment: TORNADOVM_HOME (else see tornado-env.sh), TORNADO_DEVICE_PROBE_TIMEOUT (s).
set -u
root=$(cd "$(dirname "$0")/.." && pwd)

if ! TORNADO_ENV_QUIET=1 source "$root/tornado-env.sh" 2>/dev/null; then
    reason=$( (source "$root/tornado-env.sh") 2>&1 | sed 's/^tornado-env: //' | head -n 1)
    echo "tornado conformance: skipped ($reason)"
    exit 0
fi

# A device: TornadoVM's own device query, from an empty directory (the stock argfile reads '.').
probe_dir=$(mktemp -d)
trap 'rm -rf "$probe_dir"' EXIT
devices=$(cd "$probe_dir" && timeout "${TORNADO_DEVICE_PROBE_TIMEOUT:-120}" "$JAVA_HOME/bin/java" \
    "@$TORNADOVM_HOME/tornado-argfile" -m tornado.drivers.common/uk.ac.manchester.tornado.drivers.TornadoDeviceQuery 2>&1)
if ! grep -q "Tornado device=" <<<"$devices"; then
    echo "tornado conformance: skipped (TornadoVM at $TORNADOVM_HOME finds no device: $(grep -m1 -iE 'error|exception' <<<"$devices" || echo 'no OpenCL/PTX/SPIR-V device listed'))"
    exit 0
fi
echo "tornado conformance: TornadoVM $(sed -n 's/^version=//p' "$TORNADOVM_HOME/etc/tornado.release"), device $(grep -m1 'Tornado device=' <<<"$devices" | sed 's/^ *//'), Java $("$JAVA_HOME/bin/java" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p')"

# Maven: $MVN, else the system's mvn, else the wrapper (as scripts/jdk.sh)
mvn=${MVN:-}
if [ -z "$mvn" ]; then
    if command -v mvn >/dev/null 2>&1; then mvn=mvn; else mvn="$root/mvnw"; fi
fi
reports="$root/target/tornado-surefire-reports"
rm -rf "$reports"
# The profile's tornado-conformance execution runs the suite only when asked; -Dtest selects it (the
# profile's default execution sees the same classes too, and skips those that assume TornadoVM's JVM).
# With no group named, the backend's other tests there (the routine choice) run too.
tests="io.tornadoresnet.backend.tornado.*Test"
if [ $# -gt 0 ]; then
    tests="io.tornadoresnet.backend.tornado.TornadoConformanceTest#$1*"
fi
"$mvn" -B -q -f "$root/pom.xml" -Ptornadovm test \
    -Dtornado.conformance.skip=false \
    -Dtest="$tests" -Dsurefire.failIfNoSpecifiedTests=false
status=$?
if ls "$reports"/*.txt >/dev/null 2>&1; then
    grep -h "Tests run:" "$reports"/*.txt | sed 's/^/tornado conformance: /'
    cat "$reports"/*-output.txt 2>/dev/null | grep -v "incubator modules" | sed 's/^/  /'
fi
if [ $status -eq 0 ]; then
    echo "tornado conformance: passed"
else
    echo "tornado conformance: FAILED (reports in $reports)"
fi
exit $status
