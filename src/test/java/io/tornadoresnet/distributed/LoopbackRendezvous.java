package io.tornadoresnet.distributed;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Workers that are threads of this JVM: each listens on a free loopback port and publishes it here. */
final class LoopbackRendezvous {
    private final InetSocketAddress[] addresses;
    private final CountDownLatch published;

    LoopbackRendezvous(int size) {
        addresses = new InetSocketAddress[size];
        published = new CountDownLatch(size);
    }

    Rendezvous forRank(int rank) {
        return new Rendezvous() {
            @Override
            public int rank() {
                return rank;
            }

            @Override
            public int size() {
                return addresses.length;
            }

            @Override
            public InetSocketAddress bindAddress() {
                return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
            }

            @Override
            public List<InetSocketAddress> exchange(InetSocketAddress listening) throws IOException {
                synchronized (addresses) {
                    addresses[rank] = listening;
                }
                published.countDown();
                try {
                    if (!published.await(60, TimeUnit.SECONDS)) {
                        throw new IOException("not every worker published its address");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted", e);
                }
                synchronized (addresses) {
                    return Arrays.asList(addresses.clone());
                }
            }
        };
    }
}
