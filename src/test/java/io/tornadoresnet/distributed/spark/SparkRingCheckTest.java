package io.tornadoresnet.distributed.spark;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The options of the Spark ring check; SparkSubmitTest runs it. */
class SparkRingCheckTest {

    @Test
    void badOptionsAreNamedBeforeSparkStarts() {
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertEquals("--workers is required", assertThrows(IllegalArgumentException.class,
                () -> SparkRingCheck.run(new String[] {"--floats", "3"}, out)).getMessage());
        assertEquals("--workers must be at least 1, not 0", assertThrows(IllegalArgumentException.class,
                () -> SparkRingCheck.run(new String[] {"--workers", "0"}, out)).getMessage());
        assertEquals("unknown option --rank", assertThrows(IllegalArgumentException.class,
                () -> SparkRingCheck.run(new String[] {"--rank", "0"}, out)).getMessage());
    }
}
