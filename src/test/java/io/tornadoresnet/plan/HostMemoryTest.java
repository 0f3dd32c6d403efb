package io.tornadoresnet.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class HostMemoryTest {

    @Test
    void bytesAreWrittenInBinaryUnitsWithTwoOrThreeDigits() {
        assertEquals("900 bytes", HostMemory.human(900));
        assertEquals("1.5 KiB", HostMemory.human(1536));
        assertEquals("812 MiB", HostMemory.human(812L << 20));
        assertEquals("5.2 GiB", HostMemory.human((long) (5.2 * (1L << 30))));
        assertEquals("310 GiB", HostMemory.human(310L << 30));
    }
}
