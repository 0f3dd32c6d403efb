package io.tornadoresnet.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tornadoresnet.nn.BatchNorm2d;
import io.tornadoresnet.plan.KernelCall;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Training's batch-norm chains in one pass against their ops' kernels run one after another. */
class PointwiseChainTest {
    private static final int N = 3, C = 5, HW = 37;

    @ParameterizedTest(name = "add {0}, relu {1}")
    @CsvSource({"false, true", "true, false", "true, true"})
    void batchNormThenAddThenReluMatchesTheKernels(boolean add, boolean relu) {
        Assumptions.assumeTrue(VectorApi.available(), "the chains run only with the Vector API");
        Random random = new Random(3);
        Tensor x = random("x", random, N, C, HW);
        Tensor gamma = random("gamma", random, C);
        Tensor beta = random("beta", random, C);
        Tensor runningMean = random("running_mean", random, C);
        Tensor runningVar = positive("running_var", random, C);
        Tensor mean = new Tensor("mean", Shape.of(C));
        Tensor invStd = new Tensor("inv_std", Shape.of(C));
        Tensor y = new Tensor("y", Shape.of(N, C, HW));
        Tensor residual = random("residual", random, N, C, HW);
        Tensor sum = new Tensor("sum", Shape.of(N, C, HW));
        Tensor out = new Tensor("out", Shape.of(N, C, HW));
        List<Op> ops = new ArrayList<>();
        Op.BatchNormTrain norm = new Op.BatchNormTrain(x, gamma, beta, runningMean, runningVar, mean, invStd, y, N, C, HW,
                BatchNorm2d.EPS, BatchNorm2d.MOMENTUM);
        ops.add(norm);
        Tensor last = y;
        if (add) {
            ops.add(new Op.Add(y, residual, sum));
            last = sum;
        }
        if (relu) {
            ops.add(new Op.Relu(last, out));
            last = out;
        }
        List<Tensor> results = List.of(last, mean, invStd, runningMean, runningVar);
        List<float[]> expected = kernelResults(ops, results, results);

        List<Fusion.Step> steps = Fusion.schedule(ops, true);
        assertEquals(1, steps.size());
        Fusion.NormChain chain = (Fusion.NormChain) steps.get(0);
        try (WorkerPool pool = new WorkerPool(2)) {
            Pointwise.normChain(chain, null, pool).run();
        }
        for (int i = 0; i < results.size(); i++) {
            assertClose(expected.get(i), results.get(i).data(), results.get(i).name());
        }
    }

    @ParameterizedTest(name = "workers {0}")
    @CsvSource({"1", "2", "3"})
    void reluGradientThenBatchNormBackwardMatchesTheKernels(int workers) {
        Assumptions.assumeTrue(VectorApi.available(), "the chains run only with the Vector API");
        Random random = new Random(4);
        Tensor reluOut = random("relu_out", random, N, C, HW);
        Tensor gradOut = random("grad_out", random, N, C, HW);
        Tensor gradRelu = new Tensor("grad_relu", Shape.of(N, C, HW));
        Op.BatchNormBackward norm = normBackward(gradRelu, random);
        List<Op> ops = List.of(new Op.ReluBackward(reluOut, gradOut, gradRelu), norm);
        List<Tensor> results = List.of(norm.gradGamma(), norm.gradBeta(), norm.gradIn());
        ops.forEach(PointwiseChainTest::runKernels);
        List<float[]> expected = snapshot(results);
        results.forEach(t -> java.util.Arrays.fill(t.data(), Float.NaN));

        List<Fusion.Step> steps = Fusion.schedule(ops, true);
        assertEquals(1, steps.size());
        try (WorkerPool pool = new WorkerPool(workers)) {
            Pointwise.normBackwardChain((Fusion.NormBackwardChain) steps.get(0), pool).run();
        }
        for (int i = 0; i < results.size(); i++) {
            assertClose(expected.get(i), results.get(i).data(), results.get(i).name());
        }
    }

    /**
     * Batch norm and ReLU forward, then ReLU's gradient and batch norm's backward: the backward chain knows
     * the forward one, recomputes ReLU's mask from batch norm's input, and gives the bits of the chain that
     * reads ReLU's output, and the kernels' results to rounding.
     */
    @ParameterizedTest(name = "workers {0}")
    @CsvSource({"1", "2", "3"})
    void reluMaskRecomputedFromTheNormsInputGivesTheBitsOfTheMaskRead(int workers) {
        Assumptions.assumeTrue(VectorApi.available(), "the chains run only with the Vector API");
        Random random = new Random(5);
        Tensor x = random("x", random, N, C, HW);
        Tensor mean = new Tensor("mean", Shape.of(C));
        Tensor invStd = new Tensor("inv_std", Shape.of(C));
        Tensor gamma = random("gamma", random, C);
        Op.BatchNormTrain norm = new Op.BatchNormTrain(x, gamma, random("beta", random, C),
                random("running_mean", random, C), positive("running_var", random, C), mean, invStd,
                new Tensor("y", Shape.of(N, C, HW)), N, C, HW, BatchNorm2d.EPS, BatchNorm2d.MOMENTUM);
        Tensor reluOut = new Tensor("relu_out", Shape.of(N, C, HW));
        Tensor gradRelu = new Tensor("grad_relu", Shape.of(N, C, HW));
        Op.BatchNormBackward backward = new Op.BatchNormBackward(gradRelu, x, mean, invStd, gamma,
                new Tensor("grad_gamma", Shape.of(C)), new Tensor("grad_beta", Shape.of(C)),
                new Tensor("grad_in", Shape.of(N, C, HW)), N, C, HW);
        Op.ReluBackward relu = new Op.ReluBackward(reluOut, random("grad_out", random, N, C, HW), gradRelu);
        List<Op> ops = List.of(norm, new Op.Relu(norm.y(), reluOut), relu, backward);
        List<Tensor> results = List.of(backward.gradGamma(), backward.gradBeta(), backward.gradIn());
        List<float[]> expected = kernelResults(ops, results, List.of(norm.runningMean(), norm.runningVar()));

        List<Fusion.Step> steps = Fusion.schedule(ops, true);
        assertEquals(2, steps.size());
        Fusion.NormBackwardChain chain = (Fusion.NormBackwardChain) steps.get(1);
        assertSame(norm, chain.forward());
        try (WorkerPool pool = new WorkerPool(workers)) {
            Pointwise.normChain((Fusion.NormChain) steps.get(0), null, pool).run();
            Pointwise.normBackwardChain(chain, pool).run();
            List<float[]> recomputed = snapshot(results);
            results.forEach(t -> java.util.Arrays.fill(t.data(), Float.NaN));
            Pointwise.normBackwardChain(new Fusion.NormBackwardChain(relu, backward, null, chain.ops()), pool).run();
            for (int i = 0; i < results.size(); i++) {
                assertArrayEquals(results.get(i).data(), recomputed.get(i), results.get(i).name());
                assertClose(expected.get(i), recomputed.get(i), results.get(i).name());
            }
        }
    }

    /**
     * A block's last ReLU gradient, read by its batch norm's backward and by the shortcut after it, with
     * (or without) the add of the two input gradients before it: one chain that still writes the ReLU
     * gradient, against the kernels.
     */
    @ParameterizedTest(name = "workers {0}, add {1}")
    @CsvSource({"1, true", "2, true", "3, true", "2, false"})
    void addThenReluGradientThenBatchNormBackwardMatchesTheKernels(int workers, boolean add) {
        Assumptions.assumeTrue(VectorApi.available(), "the chains run only with the Vector API");
        Random random = new Random(6);
        Tensor convGrad = random("conv_grad", random, N, C, HW);
        Tensor shortcutGrad = random("shortcut_grad", random, N, C, HW);
        Tensor sum = new Tensor("sum", Shape.of(N, C, HW));
        Tensor reluOut = random("relu_out", random, N, C, HW);
        Tensor gradRelu = new Tensor("grad_relu", Shape.of(N, C, HW));
        Op.BatchNormBackward norm = normBackward(gradRelu, random);
        Tensor shortcutOut = new Tensor("shortcut_out", Shape.of(N, C, HW));
        List<Op> ops = new ArrayList<>();
        if (add) {
            ops.add(new Op.Add(convGrad, shortcutGrad, sum));
        }
        ops.add(new Op.ReluBackward(reluOut, add ? sum : convGrad, gradRelu));
        ops.add(norm);
        ops.add(new Op.Relu(gradRelu, shortcutOut));
        List<Tensor> results = List.of(gradRelu, norm.gradGamma(), norm.gradBeta(), norm.gradIn(), shortcutOut);
        ops.forEach(PointwiseChainTest::runKernels);
        List<float[]> expected = snapshot(results);
        results.forEach(t -> java.util.Arrays.fill(t.data(), Float.NaN));

        List<Fusion.Step> steps = Fusion.schedule(ops, true);
        assertEquals(2, steps.size());
        Fusion.ResidualBackwardChain chain = (Fusion.ResidualBackwardChain) steps.get(0);
        assertEquals(ops.subList(0, ops.size() - 1), chain.ops());
        try (WorkerPool pool = new WorkerPool(workers)) {
            Pointwise.residualBackwardChain(chain, pool).run();
        }
        runKernels(ops.get(ops.size() - 1));
        for (int i = 0; i < results.size(); i++) {
            assertClose(expected.get(i), results.get(i).data(), results.get(i).name());
        }
    }

    /**
     * Synchronised batch norm's ops (sums, the replicas' mean, then normalise, + residual and ReLU as
     * one chain; gradient sums, the mean, the input gradient), as the JVM backend schedules them,
     * against their kernels. The replicas here hold the same sums, so their mean changes nothing.
     */
    @ParameterizedTest(name = "workers {0}")
    @CsvSource({"1", "3"})
    void synchronisedBatchNormMatchesTheKernels(int workers) {
        Assumptions.assumeTrue(VectorApi.available(), "the routines run only with the Vector API");
        Random random = new Random(5);
        Tensor x = random("x", random, N, C, HW);
        Tensor gamma = random("gamma", random, C);
        Tensor beta = random("beta", random, C);
        Tensor runningMean = random("running_mean", random, C);
        Tensor runningVar = positive("running_var", random, C);
        Tensor sums = new Tensor("sums", Shape.of(2, C));
        Tensor mean = new Tensor("mean", Shape.of(C));
        Tensor invStd = new Tensor("inv_std", Shape.of(C));
        Tensor y = new Tensor("y", Shape.of(N, C, HW));
        Tensor residual = random("residual", random, N, C, HW);
        Tensor sum = new Tensor("sum", Shape.of(N, C, HW));
        Tensor out = new Tensor("out", Shape.of(N, C, HW));
        Tensor gradOut = random("grad_out", random, N, C, HW);
        Tensor gradGamma = new Tensor("grad_gamma", Shape.of(C));
        Tensor gradBeta = new Tensor("grad_beta", Shape.of(C));
        Tensor gradSums = new Tensor("grad_sums", Shape.of(2, C));
        Tensor gradIn = new Tensor("grad_in", Shape.of(N, C, HW));
        io.tornadoresnet.plan.Replicas replicas = new io.tornadoresnet.plan.Replicas() {
            @Override
            public int count() {
                return 2;
            }

            @Override
            public void averageInPlace(float[] values) {
            }
        };
        List<Op> ops = List.of(new Op.BatchNormSums(x, sums, N, C, HW), new Op.ReplicaMean(sums, replicas),
                new Op.BatchNormFromSums(x, sums, gamma, beta, runningMean, runningVar, mean, invStd, y, N, C, HW, 2,
                        BatchNorm2d.EPS, BatchNorm2d.MOMENTUM),
                new Op.Add(y, residual, sum), new Op.Relu(sum, out),
                new Op.BatchNormGradientSums(gradOut, x, mean, invStd, gradGamma, gradBeta, gradSums, N, C, HW),
                new Op.ReplicaMean(gradSums, replicas),
                new Op.BatchNormBackwardFromSums(gradOut, x, mean, invStd, gamma, gradSums, gradIn, N, C, HW));
        List<Tensor> results = List.of(out, sums, mean, invStd, runningMean, runningVar, gradGamma, gradBeta, gradSums,
                gradIn);
        List<float[]> expected = kernelResults(ops, results, results);

        List<Fusion.Step> steps = Fusion.schedule(ops, true);
        assertEquals(6, steps.size(), "normalise, add and ReLU in one chain: " + steps);
        try (WorkerPool pool = new WorkerPool(workers)) {
            for (Fusion.Step step : steps) {
                if (step instanceof Fusion.NormChain chain) {
                    Pointwise.normChain(chain, null, pool).run();
                    continue;
                }
                Op op = ((Fusion.Single) step).op();
                Runnable routine = Pointwise.routine(op, pool);
                if (op instanceof Op.ReplicaMean) {
                    runKernels(op);
                } else {
                    assertTrue(routine != null, "a routine for " + op.getClass().getSimpleName());
                    routine.run();
                }
            }
        }
        for (int i = 0; i < results.size(); i++) {
            assertClose(expected.get(i), results.get(i).data(), results.get(i).name());
        }
    }

    /** Batch norm's backward of gradOut, with random input, statistics and gamma, and fresh gradients. */
    private static Op.BatchNormBackward normBackward(Tensor gradOut, Random random) {
        return new Op.BatchNormBackward(gradOut, random("x", random, N, C, HW), random("mean", random, C),
                positive("inv_std", random, C), random("gamma", random, C), new Tensor("grad_gamma", Shape.of(C)),
                new Tensor("grad_beta", Shape.of(C)), new Tensor("grad_in", Shape.of(N, C, HW)), N, C, HW);
    }

    /** The ops run as their kernels: the values of {@code results} then, with {@code kept} as they were before. */
    private static List<float[]> kernelResults(List<Op> ops, List<Tensor> results, List<Tensor> kept) {
        List<float[]> before = snapshot(kept);
        ops.forEach(PointwiseChainTest::runKernels);
        List<float[]> after = snapshot(results);
        restore(kept, before);
        return after;
    }

    private static void runKernels(Op op) {
        for (KernelCall call : op.lower(Tensor::new)) {
            call.bind().run();
        }
    }

    private static Tensor random(String name, Random random, int... dims) {
        Tensor t = new Tensor(name, Shape.of(dims));
        for (int i = 0; i < t.size(); i++) {
            t.data()[i] = (float) random.nextGaussian();
        }
        return t;
    }

    private static Tensor positive(String name, Random random, int... dims) {
        Tensor t = new Tensor(name, Shape.of(dims));
        for (int i = 0; i < t.size(); i++) {
            t.data()[i] = 0.5f + random.nextFloat();
        }
        return t;
    }

    private static List<float[]> snapshot(List<Tensor> tensors) {
        return tensors.stream().map(t -> t.data().clone()).toList();
    }

    private static void restore(List<Tensor> tensors, List<float[]> values) {
        for (int i = 0; i < tensors.size(); i++) {
            System.arraycopy(values.get(i), 0, tensors.get(i).data(), 0, values.get(i).length);
        }
    }

    private static void assertClose(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            double tolerance = 1e-4 * (Math.abs(expected[i]) + 1);
            int index = i;
            assertTrue(Math.abs(expected[i] - actual[i]) <= tolerance,
                    () -> what + "[" + index + "]: expected " + expected[index] + ", got " + actual[index]);
        }
    }
}
