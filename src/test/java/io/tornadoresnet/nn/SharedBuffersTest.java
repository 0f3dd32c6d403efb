package io.tornadoresnet.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tornadoresnet.plan.BufferHistory;
import io.tornadoresnet.plan.Kernel;
import io.tornadoresnet.plan.KernelCall;
import io.tornadoresnet.plan.Mode;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.plan.Replicas;
import io.tornadoresnet.plan.Stage;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The tensors of a plan share buffers where their lifetimes allow, and only there. */
public class SharedBuffersTest {

    /** Two replicas that hold the same values, so that their mean is what each holds. */
    private static final Replicas TWO_IDENTICAL_REPLICAS = new Replicas() {
        @Override
        public int count() {
            return 2;
        }

        @Override
        public void averageInPlace(float[] values) {
        }
    };

    /** Plans of every kind of block, shortcut and head, in both modes, and one with the input's gradient. */
    public static Map<String, Plan> plans() {
        Map<String, Plan> plans = new LinkedHashMap<>();
        for (String name : List.of("resnet20", "resnet18", "resnet50")) {
            Shortcut shortcut = name.equals("resnet20") ? Shortcut.A : Shortcut.B;
            ResNet model = ResNets.create(name, Shape.of(3, 32, 32), 10, shortcut);
            plans.put(name + " training", model.compileTraining(2, Sgd.PAPER));
            plans.put(name + " inference", model.compileInference(2));
        }
        plans.put("resnet20 training with synchronised batch norm", ResNets.create("resnet20", Shape.of(3, 32, 32), 10)
                .compileTraining(2, Sgd.PAPER, TWO_IDENTICAL_REPLICAS));
        plans.put("resnet8 with the input's gradient",
                ResNets.create("resnet8", Shape.of(1, 12, 12), 4).compile(Mode.TRAIN, 3, Sgd.PAPER, true));
        return plans;
    }

    /** Every tensor the plan's ops pass, each once. */
    public static Set<Tensor> tensors(Plan plan) {
        Set<Tensor> tensors = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Stage stage : plan.stages()) {
            for (Op op : stage.ops()) {
                for (KernelCall call : op.lower(Tensor::unallocated)) {
                    for (Object arg : call.args()) {
                        if (arg instanceof Tensor t && hasBuffer(t)) {
                            tensors.add(t);
                        }
                    }
                }
            }
        }
        return tensors;
    }

    private static boolean hasBuffer(Tensor t) {
        try {
            t.data();
            return true;
        } catch (IllegalStateException workspace) {
            return false;
        }
    }

    @Test
    void noOpReadsATensorWhoseBufferAnotherHasTakenOver() {
        plans().forEach((name, plan) -> {
            List<String> overwrites = BufferHistory.overwrittenReads(BufferHistory.planOrder(plan));
            assertTrue(overwrites.isEmpty(), name + ": " + overwrites);
        });
    }

    /**
     * What Kernel says of each argument is what the kernels do: an overwritten argument is written
     * whole without being read (filled with NaN before, none is left after), an argument not
     * written keeps every bit.
     */
    @Test
    void everyKernelWritesWhatKernelSaysAndNothingElse() {
        Random random = new Random(6);
        Set<Kernel> seen = EnumSet.noneOf(Kernel.class);
        Map<String, Plan> plans = plans();
        for (String name : List.of("resnet20 training", "resnet18 training", "resnet18 inference",
                "resnet20 training with synchronised batch norm")) {
            Plan plan = plans.get(name);
            for (Stage stage : plan.stages()) {
                for (Op op : stage.ops()) {
                    for (KernelCall call : op.lower(Tensor::new)) {
                        seen.add(call.kernel());
                        List<float[]> before = new ArrayList<>();
                        for (int a = 0; a < call.args().length; a++) {
                            if (call.args()[a] instanceof Tensor t) {
                                boolean overwritten = !call.kernel().reads(a);
                                for (int i = 0; i < t.size(); i++) {
                                    t.data()[i] = overwritten ? Float.NaN : 0.5f + random.nextFloat();
                                }
                                before.add(Arrays.copyOf(t.data(), t.size()));
                            }
                        }
                        call.bind().run();
                        int tensor = 0;
                        for (int a = 0; a < call.args().length; a++) {
                            if (call.args()[a] instanceof Tensor t) {
                                float[] after = Arrays.copyOf(t.data(), t.size());
                                String where = call.kernel() + " argument " + a + " (" + t.name() + ")";
                                if (!call.kernel().reads(a)) {
                                    for (float v : after) {
                                        assertTrue(!Float.isNaN(v), where + " is not overwritten whole");
                                    }
                                } else if (!call.kernel().writes(a)) {
                                    assertArrayEquals(before.get(tensor), after, where + " is written");
                                }
                                tensor++;
                            }
                        }
                    }
                }
            }
        }
        assertEquals(EnumSet.allOf(Kernel.class), seen);
    }

    @Test
    void theReplayFindsALiveTensorOverwritten() {
        Tensor x = new Tensor("x", Shape.of(4));
        Tensor a = Tensor.unallocated("a", Shape.of(4));
        Tensor b = Tensor.unallocated("b", Shape.of(4));
        float[] one = new float[4];
        a.back(one);
        b.back(one); // a is still to be read when b is written
        Tensor c = new Tensor("c", Shape.of(4));
        List<List<Op>> steps = List.of(List.of(new Op.Relu(x, a)), List.of(new Op.Relu(a, b)),
                List.of(new Op.Add(a, b, c)));
        List<String> overwrites = BufferHistory.overwrittenReads(steps);
        assertEquals(2, overwrites.size(), overwrites.toString()); // once a step
        assertTrue(overwrites.get(0).contains("ADD of c reads a, whose buffer holds b (written by RELU_FORWARD of b)"),
                overwrites.get(0));
        // Run as one group, the add reads a before the relu writes b: nothing is overwritten.
        assertTrue(BufferHistory.overwrittenReads(List.of(List.of(new Op.Relu(x, a)),
                List.of(new Op.Add(a, x, c), new Op.Relu(c, b)))).isEmpty());
    }

    @Test
    void weightsGradientsMomentumInputAndOutputsKeepBuffersOfTheirOwn() {
        ResNet model = ResNets.create("resnet20", Shape.of(3, 16, 16), 10);
        Plan plan = model.compileTraining(4, Sgd.PAPER);
        List<Tensor> own = new ArrayList<>(List.of(plan.input(), plan.learningRate(), plan.metrics(), plan.logits()));
        model.stateDict().values().forEach(own::add);
        model.parameters().forEach(p -> {
            own.add(p.grad());
            own.add(p.velocity());
        });
        Map<float[], List<String>> holders = new IdentityHashMap<>();
        for (Tensor t : tensors(plan)) {
            holders.computeIfAbsent(t.data(), x -> new ArrayList<>()).add(t.name());
        }
        for (Tensor t : own) {
            assertEquals(List.of(t.name()), holders.get(t.data()), t.name());
            assertEquals(t.size(), t.data().length, t.name());
        }
    }

    @Test
    void sharingShrinksTrainingAndMoreSoInference() {
        ResNet model = ResNets.create("resnet20", Shape.of(3, 32, 32), 10);
        Set<Tensor> modelOwn = Collections.newSetFromMap(new IdentityHashMap<>());
        modelOwn.addAll(model.stateDict().values());
        model.parameters().forEach(p -> {
            modelOwn.add(p.grad());
            modelOwn.add(p.velocity());
        });
        for (Mode mode : Mode.values()) {
            Plan plan = model.compile(mode, 8, Sgd.PAPER, false);
            List<Tensor> planOwn = tensors(plan).stream().filter(t -> !modelOwn.contains(t)).toList();
            long separate = planOwn.stream().mapToLong(Tensor::size).sum();
            Set<float[]> buffers = Collections.newSetFromMap(new IdentityHashMap<>());
            planOwn.forEach(t -> buffers.add(t.data()));
            long shared = buffers.stream().mapToLong(b -> b.length).sum();
            // Training keeps what the backward pass reads; inference little more than a block's tensors.
            assertTrue(shared < (mode == Mode.TRAIN ? 0.6 : 0.2) * separate, mode + ": " + shared + " of " + separate);
        }
    }
}
