package io.tornadoresnet.nn;

import io.tornadoresnet.plan.LayerInfo;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.plan.PlanBuilder;
import io.tornadoresnet.plan.Replicas;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Batch normalisation over NCHW with PyTorch's defaults: eps 1e-5, momentum 0.1, gamma 1, beta 0. */
public final class BatchNorm2d implements Layer {
    public static final float EPS = 1e-5f;
    public static final float MOMENTUM = 0.1f;

    private final String name;
    private final int channels;
    private final Parameter gamma;
    private final Parameter beta;
    private final Tensor runningMean;
    private final Tensor runningVar;

    public BatchNorm2d(String name, int channels) {
        this.name = name;
        this.channels = channels;
        this.gamma = new Parameter(name + ".weight", Shape.of(channels));
        this.beta = new Parameter(name + ".bias", Shape.of(channels));
        this.runningMean = new Tensor(name + ".running_mean", Shape.of(channels));
        this.runningVar = new Tensor(name + ".running_var", Shape.of(channels));
        Arrays.fill(gamma.value().data(), 1f);
        Arrays.fill(runningVar.data(), 1f);
    }

    public String name() {
        return name;
    }

    public Tensor runningMean() {
        return runningMean;
    }

    public Tensor runningVar() {
        return runningVar;
    }

    @Override
    public Node forward(PlanBuilder b, Tensor x) {
        Shape s = x.shape();
        if (s.dim(1) != channels) {
            throw new IllegalArgumentException(name + " expects " + channels + " channels, got " + s);
        }
        int n = s.dim(0);
        int hw = s.dim(2) * s.dim(3);
        Tensor y = b.tensor(name + ".out", s);
        b.describe(new LayerInfo(name, "BatchNorm2d", Shape.of(channels, s.dim(2), s.dim(3)), 2L * channels, 0));
        if (!b.training()) {
            b.add(new Op.BatchNormInfer(x, gamma.value(), beta.value(), runningMean, runningVar, y, n, channels, hw, EPS));
            return new Node(y, null);
        }
        Tensor mean = b.tensor(name + ".batch_mean", Shape.of(channels));
        Tensor invStd = b.tensor(name + ".batch_inv_std", Shape.of(channels));
        if (b.batchNormReplicas() != null) {
            return synchronizedForward(b, x, y, mean, invStd, b.batchNormReplicas());
        }
        b.add(new Op.BatchNormTrain(x, gamma.value(), beta.value(), runningMean, runningVar, mean, invStd, y, n,
                channels, hw, EPS, MOMENTUM));
        return new Node(y, (bb, gradOut) -> {
            Tensor gradIn = bb.tensor(name + ".gradIn", s);
            bb.add(new Op.BatchNormBackward(gradOut, x, mean, invStd, gamma.value(), gamma.grad(), beta.grad(), gradIn,
                    n, channels, hw));
            return gradIn;
        });
    }

    /**
     * Training over the global batch of data-parallel replicas, as PyTorch's SyncBatchNorm: the
     * per-channel sums are averaged over the replicas before normalising, and so are the two
     * gradient sums before the input gradient; gamma's and beta's gradients stay this replica's own.
     */
    private Node synchronizedForward(PlanBuilder b, Tensor x, Tensor y, Tensor mean, Tensor invStd,
                                     Replicas replicas) {
        Shape s = x.shape();
        int n = s.dim(0);
        int hw = s.dim(2) * s.dim(3);
        Tensor sums = b.tensor(name + ".batch_sums", Shape.of(2, channels));
        b.add(new Op.BatchNormSums(x, sums, n, channels, hw));
        b.add(new Op.ReplicaMean(sums, replicas));
        b.add(new Op.BatchNormFromSums(x, sums, gamma.value(), beta.value(), runningMean, runningVar, mean, invStd, y,
                n, channels, hw, replicas.count(), EPS, MOMENTUM));
        return new Node(y, (bb, gradOut) -> {
            Tensor gradSums = bb.tensor(name + ".grad_sums", Shape.of(2, channels));
            Tensor gradIn = bb.tensor(name + ".gradIn", s);
            bb.add(new Op.BatchNormGradientSums(gradOut, x, mean, invStd, gamma.grad(), beta.grad(), gradSums, n,
                    channels, hw));
            bb.add(new Op.ReplicaMean(gradSums, replicas));
            bb.add(new Op.BatchNormBackwardFromSums(gradOut, x, mean, invStd, gamma.value(), gradSums, gradIn, n,
                    channels, hw));
            return gradIn;
        });
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(gamma, beta);
    }

    @Override
    public void stateDict(Map<String, Tensor> into) {
        into.put(gamma.name(), gamma.value());
        into.put(beta.name(), beta.value());
        into.put(runningMean.name(), runningMean);
        into.put(runningVar.name(), runningVar);
    }
}
