package io.tornadoresnet.backend.jvm;

import io.tornadoresnet.plan.ConvGeometry;
import io.tornadoresnet.plan.Op;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Wall time spent in each kind of step of the plans compiled with it ({@link JvmBackend#compile(io.tornadoresnet.plan.Plan,
 * OpTimes)}), by label: a convolution pass and its shape, a fused chain, or an op's kind. Steps run one at a
 * time on the calling thread, which reads the clock before and after each (about 50 ns a step); the
 * time of a step includes its workers' waits.
 */
public final class OpTimes {
    /** Time and calls of one label. */
    public record Entry(String label, long calls, double seconds) {
    }

    private final Map<String, long[]> byLabel = new LinkedHashMap<>();

    /** Forgets the time counted so far, for example that of warm-up steps. */
    public void reset() {
        for (long[] slot : byLabel.values()) {
            slot[0] = 0;
            slot[1] = 0;
        }
    }

    /** The labels with their calls and seconds since the last {@link #reset()}, the longest first. */
    public List<Entry> entries() {
        List<Entry> entries = new ArrayList<>();
        byLabel.forEach((label, slot) -> entries.add(new Entry(label, slot[1], slot[0] / 1e9)));
        entries.sort(Comparator.comparingDouble(Entry::seconds).reversed());
        return entries;
    }

    /** {@code step}, counting its time under {@code label}. */
    Runnable timed(String label, Runnable step) {
        long[] slot = byLabel.computeIfAbsent(label, l -> new long[2]);
        return () -> {
            long start = System.nanoTime();
            step.run();
            slot[0] += System.nanoTime() - start;
            slot[1]++;
        };
    }

    /** The label of a scheduled step: what it computes, and the shape of a convolution. */
    static String label(Fusion.Step step) {
        if (step instanceof Fusion.ConvChain chain) {
            return "conv+bn" + (chain.residual() == null ? "" : "+add") + (chain.relu() ? "+relu" : "") + " "
                    + shape(chain.conv().g());
        }
        if (step instanceof Fusion.NormChain chain) {
            return "bn" + (chain.residual() == null ? "" : "+add") + (chain.relu() ? "+relu" : "");
        }
        if (step instanceof Fusion.NormBackwardChain) {
            return "relu+bn backward";
        }
        if (step instanceof Fusion.ResidualBackwardChain chain) {
            return (chain.add() == null ? "" : "add+") + "relu+bn backward, relu gradient kept";
        }
        Op op = ((Fusion.Single) step).op();
        if (op instanceof Op.ConvForward f) {
            return "conv forward " + shape(f.g());
        }
        if (op instanceof Op.ConvBackwardData d) {
            return "conv input gradient " + shape(d.g());
        }
        if (op instanceof Op.ConvBackwardWeights w) {
            return "conv weight gradient " + shape(w.g());
        }
        return op.getClass().getSimpleName();
    }

    /** "16x32x32->16 3x3/1": input channels and size, output channels, kernel and stride. */
    private static String shape(ConvGeometry g) {
        return g.c() + "x" + g.h() + "x" + g.w() + "->" + g.k() + " " + g.kh() + "x" + g.kw() + "/" + g.stride();
    }
}
