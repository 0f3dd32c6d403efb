package io.tornadoresnet.distributed;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RingAllReduceCheckTest {

    @Test
    void aSingleWorkerReportsItsCallsAndTheHashOfItsOwnData() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int status = RingAllReduceCheck.run(new String[] {"--rank", "0", "--peers", "127.0.0.1:7070", "--floats", "10",
                "--calls", "3"}, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertEquals(0, status);
        String line = bytes.toString(StandardCharsets.UTF_8).strip();
        float[] own = new float[10];
        RingAllReduceCheck.fill(own, 0);
        assertTrue(line.startsWith("{\"rank\":0,\"workers\":1,\"floats\":10,\"calls\":3,"), line);
        assertTrue(line.endsWith(",\"result_hash\":" + RingAllReduceCheck.hash(own) + "}"), line);
    }

    @Test
    void badOptionsAreNamed() {
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertEquals("--rank and --peers are required", assertThrows(IllegalArgumentException.class,
                () -> RingAllReduceCheck.run(new String[] {"--floats", "3"}, out)).getMessage());
        assertEquals("unknown option --flaots", assertThrows(IllegalArgumentException.class,
                () -> RingAllReduceCheck.run(new String[] {"--flaots", "3"}, out)).getMessage());
        assertEquals("--calls must be at least 1, not 0", assertThrows(IllegalArgumentException.class,
                () -> RingAllReduceCheck.run(new String[] {"--calls", "0"}, out)).getMessage());
        assertEquals("--rank needs a value", assertThrows(IllegalArgumentException.class,
                () -> RingAllReduceCheck.run(new String[] {"--rank"}, out)).getMessage());
    }
}
