package io.tornadoresnet.distributed;

import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class StaticRendezvousTest {

    @Test
    void aPeerListGivesRanksSizeAndTheWorkersOwnPort() {
        StaticRendezvous rendezvous = StaticRendezvous.parse(1, "node-a:7070, node-b:7071,[::1]:7072");
        assertEquals(1, rendezvous.rank());
        assertEquals(3, rendezvous.size());
        assertEquals(7071, rendezvous.bindAddress().getPort());
        List<InetSocketAddress> peers = rendezvous.exchange(new InetSocketAddress(7071));
        assertEquals(List.of("node-a", "node-b", "::1"), peers.stream().map(InetSocketAddress::getHostString).toList());
        assertEquals(List.of(7070, 7071, 7072), peers.stream().map(InetSocketAddress::getPort).toList());
    }

    @Test
    void malformedPeersAndRanksAreRefusedWithTheirText() {
        assertEquals("'node-a' is not host:port",
                assertThrows(IllegalArgumentException.class, () -> StaticRendezvous.parse(0, "node-a")).getMessage());
        assertEquals("'node-a:http' has no numeric port",
                assertThrows(IllegalArgumentException.class,
                        () -> StaticRendezvous.parse(0, "node-a:http")).getMessage());
        assertEquals("'node-a:70000': port 70000 is outside 1..65535",
                assertThrows(IllegalArgumentException.class,
                        () -> StaticRendezvous.parse(0, "node-a:70000")).getMessage());
        assertEquals("rank 2 is outside 0..1",
                assertThrows(IllegalArgumentException.class, () -> StaticRendezvous.parse(2, "a:1,b:2")).getMessage());
    }
}
