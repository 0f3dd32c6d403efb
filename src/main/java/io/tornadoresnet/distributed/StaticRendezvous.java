package io.tornadoresnet.distributed;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Peers known in advance: the same list of {@code host:port} on every worker, each worker listening on
 * its own entry. For workers started by hand (one JVM per machine) and for tests.
 */
public final class StaticRendezvous implements Rendezvous {
    private final int rank;
    private final List<InetSocketAddress> peers;

    public StaticRendezvous(int rank, List<InetSocketAddress> peers) {
        if (peers.isEmpty()) {
            throw new IllegalArgumentException("the peer list is empty");
        }
        if (rank < 0 || rank >= peers.size()) {
            throw new IllegalArgumentException("rank " + rank + " is outside 0.." + (peers.size() - 1));
        }
        this.rank = rank;
        this.peers = List.copyOf(peers);
    }

    /** Parses {@code host:port,host:port,...}; an IPv6 host goes in brackets ({@code [::1]:7000}). */
    public static StaticRendezvous parse(int rank, String peers) {
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (String peer : peers.split(",")) {
            addresses.add(parseAddress(peer.trim()));
        }
        return new StaticRendezvous(rank, addresses);
    }

    /** Parses one {@code host:port}, or {@code [ipv6]:port}, without resolving the host. */
    public static InetSocketAddress parseAddress(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("'" + hostPort + "' is not host:port");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + hostPort + "' has no numeric port");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("'" + hostPort + "': port " + port + " is outside 1..65535");
        }
        return InetSocketAddress.createUnresolved(host, port);
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int size() {
        return peers.size();
    }

    @Override
    public InetSocketAddress bindAddress() {
        return new InetSocketAddress(peers.get(rank).getPort());
    }

    @Override
    public List<InetSocketAddress> exchange(InetSocketAddress listening) {
        return peers;
    }
}
