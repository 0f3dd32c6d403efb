package io.tornadoresnet.distributed.spark;

import io.tornadoresnet.distributed.Rendezvous;
import io.tornadoresnet.distributed.StaticRendezvous;
import org.apache.spark.BarrierTaskContext;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * The tasks of one Spark barrier stage: the task's partition is its rank, and the tasks exchange
 * {@code host:port} through {@link BarrierTaskContext#allGather}. The host is the executor's, as Spark
 * knows it, so the other executors reach it the way Spark itself does.
 */
public final class SparkRendezvous implements Rendezvous {
    private final BarrierTaskContext context;

    public SparkRendezvous(BarrierTaskContext context) {
        this.context = context;
    }

    @Override
    public int rank() {
        return context.partitionId();
    }

    @Override
    public int size() {
        return context.getTaskInfos().length;
    }

    @Override
    public InetSocketAddress bindAddress() {
        return new InetSocketAddress(0);
    }

    @Override
    public List<InetSocketAddress> exchange(InetSocketAddress listening) {
        String executor = context.getTaskInfos()[rank()].address();
        int port = executor.lastIndexOf(':');
        String host = port < 0 || executor.endsWith("]") ? executor : executor.substring(0, port);
        String published = (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host)
                + ":" + listening.getPort();
        List<InetSocketAddress> peers = new ArrayList<>();
        for (String peer : context.allGather(published)) {
            peers.add(StaticRendezvous.parseAddress(peer));
        }
        return peers;
    }
}
