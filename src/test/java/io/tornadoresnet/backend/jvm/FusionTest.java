package io.tornadoresnet.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tornadoresnet.backend.jvm.Fusion.ConvChain;
import io.tornadoresnet.backend.jvm.Fusion.NormBackwardChain;
import io.tornadoresnet.backend.jvm.Fusion.NormChain;
import io.tornadoresnet.backend.jvm.Fusion.ResidualBackwardChain;
import io.tornadoresnet.backend.jvm.Fusion.Single;
import io.tornadoresnet.backend.jvm.Fusion.Step;
import io.tornadoresnet.nn.BatchNorm2d;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.nn.Sgd;
import io.tornadoresnet.nn.Shortcut;
import io.tornadoresnet.plan.ConvGeometry;
import io.tornadoresnet.plan.Mode;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which ops of a plan run as one convolution with an epilogue (the results: BackendConformance). */
class FusionTest {

    @Test
    void everyConvolutionOfAnInferencePlanTakesItsBatchNormAddAndRelu() {
        Plan plan = ResNets.create("resnet20", Shape.of(3, 32, 32), 10).compileInference(4);
        List<Step> steps = Fusion.schedule(ops(plan), true);
        List<ConvChain> chains = chains(steps, ConvChain.class);
        assertEquals(19, chains.size());
        // The stem and each block's first convolution end in ReLU; each block's second in add and ReLU.
        assertEquals(9, chains.stream().filter(c -> c.residual() != null && c.relu()).count());
        assertEquals(10, chains.stream().filter(c -> c.residual() == null && c.relu()).count());
        for (Step step : steps) {
            if (step instanceof Single s) {
                assertTrue(!(s.op() instanceof Op.BatchNormInfer || s.op() instanceof Op.Relu
                        || s.op() instanceof Op.Add || s.op() instanceof Op.ConvForward), "left alone: " + s.op());
            }
        }
    }

    @Test
    void aProjectionShortcutRunsBeforeTheChainThatAddsIt() {
        Plan plan = ResNets.create("resnet18", Shape.of(3, 32, 32), 10, Shortcut.B).compileInference(2);
        List<Step> steps = Fusion.schedule(ops(plan), true);
        List<ConvChain> chains = chains(steps, ConvChain.class);
        assertEquals(20, chains.size());
        // Three downsampling projections: a convolution and its batch norm, read by the block's add.
        List<ConvChain> projections = chains.stream().filter(c -> c.conv().weight().name().contains("downsample")).toList();
        assertEquals(3, projections.size());
        for (ConvChain projection : projections) {
            assertNull(projection.residual());
            ConvChain adder = chains.stream().filter(c -> c.residual() == projection.out()).findFirst().orElseThrow();
            assertTrue(steps.indexOf(projection) < steps.indexOf(adder));
        }
    }

    @Test
    void aTrainingPlansBatchNormsTakeTheirAddAndReluAndTheirBackwardTheReluGradientAndTheAdd() {
        Plan plan = ResNets.create("resnet20", Shape.of(3, 16, 16), 10).compileTraining(2, Sgd.PAPER);
        List<Step> steps = Fusion.schedule(ops(plan), true);
        assertEquals(0, chains(steps, ConvChain.class).size());
        List<NormChain> forward = chains(steps, NormChain.class);
        assertEquals(19, forward.size());
        assertEquals(9, forward.stream().filter(c -> c.residual() != null && c.relu()).count());
        assertEquals(10, forward.stream().filter(c -> c.residual() == null && c.relu()).count());
        // The stem's ReLU and each block's first: the block's last ReLU gradient goes to the shortcut too.
        List<NormBackwardChain> normBackward = chains(steps, NormBackwardChain.class);
        assertEquals(10, normBackward.size());
        // Each knows the forward chain that wrote its ReLU's output, whose statistics it reads.
        for (NormBackwardChain chain : normBackward) {
            assertTrue(forward.stream().anyMatch(c -> c.norm() == chain.forward() && c.out() == chain.relu().y()));
            assertEquals(chain.norm().mean(), chain.forward().mean());
        }
        // Each block's last: with the add of the next block's two input gradients, but for the last block.
        List<ResidualBackwardChain> residual = chains(steps, ResidualBackwardChain.class);
        assertEquals(9, residual.size());
        assertEquals(8, residual.stream().filter(c -> c.add() != null).count());
        assertTrue(residual.stream().allMatch(c -> c.add() == null || c.add().out() == c.relu().gradOut()));
        long separate = steps.stream().filter(s -> s instanceof Single single && (single.op() instanceof Op.Relu
                || single.op() instanceof Op.ReluBackward || single.op() instanceof Op.BatchNormBackward)).count();
        assertEquals(0, separate);
        // The stem's ReLU gradient is read by its batch norm alone: that chain leaves out the add before it.
        assertEquals(1, steps.stream().filter(s -> s instanceof Single single && single.op() instanceof Op.Add).count());
    }

    @Test
    void withoutBatchNormChainsATrainingPlanRunsOpByOp() {
        Plan plan = ResNets.create("resnet20", Shape.of(3, 16, 16), 10).compileTraining(2, Sgd.PAPER);
        List<Step> steps = Fusion.schedule(ops(plan), false);
        assertEquals(ops(plan).size(), steps.size());
        assertTrue(steps.stream().allMatch(s -> s instanceof Single));
    }

    @Test
    void aConvolutionWhoseOutputIsReadTwiceIsLeftAlone() {
        Tensor x = tensor("x", 1, 2, 4, 4);
        Tensor c = tensor("c", 1, 2, 4, 4);
        Tensor y = tensor("y", 1, 2, 4, 4);
        Tensor z = tensor("z", 1, 2, 4, 4);
        List<Op> ops = List.of(conv(x, c), norm(c, y), new Op.Relu(c, z));
        List<Step> steps = Fusion.schedule(ops, true);
        assertEquals(3, steps.size());
        assertEquals(0, chains(steps, ConvChain.class).size());
    }

    @Test
    void aChainStopsBeforeAnOpInBetweenThatWritesItsInput() {
        Tensor x = tensor("x", 1, 2, 4, 4);
        Tensor c = tensor("c", 1, 2, 4, 4);
        Tensor y = tensor("y", 1, 2, 4, 4);
        Tensor q = tensor("q", 1, 2, 4, 4);
        Tensor s = tensor("s", 1, 2, 4, 4);
        // The add comes after an op that overwrites the convolution's input: moving the convolution
        // there would read the new values, so only the batch norm joins it.
        Op.ConvForward conv = conv(x, c);
        Op.BatchNormInfer norm = norm(c, y);
        Op.Relu writesInput = new Op.Relu(q, x);
        Op.Add add = new Op.Add(y, q, s);
        List<Step> steps = Fusion.schedule(List.of(conv, norm, writesInput, add), true);
        assertEquals(3, steps.size());
        ConvChain chain = assertInstanceOf(ConvChain.class, steps.get(0));
        assertEquals(List.of(conv, norm), chain.ops());
        assertSame(y, chain.out());
        assertEquals(writesInput, ((Single) steps.get(1)).op());
        assertEquals(add, ((Single) steps.get(2)).op());
    }

    private static List<Op> ops(Plan plan) {
        List<Op> ops = new ArrayList<>();
        plan.stages().forEach(s -> ops.addAll(s.ops()));
        return ops;
    }

    private static <T extends Step> List<T> chains(List<Step> steps, Class<T> type) {
        return steps.stream().filter(type::isInstance).map(type::cast).toList();
    }

    private static Tensor tensor(String name, int... dims) {
        return new Tensor(name, Shape.of(dims));
    }

    private static Op.ConvForward conv(Tensor in, Tensor out) {
        return new Op.ConvForward(in, tensor(out.name() + ".weight", 2, 2, 3, 3), out,
                new ConvGeometry(1, 2, 4, 4, 2, 3, 3, 1, 1));
    }

    private static Op.BatchNormInfer norm(Tensor x, Tensor y) {
        return new Op.BatchNormInfer(x, tensor(y.name() + ".gamma", 2), tensor(y.name() + ".beta", 2),
                tensor(y.name() + ".mean", 2), tensor(y.name() + ".var", 2), y, 1, 2, 16, BatchNorm2d.EPS);
    }
}
