package io.tornadoresnet.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.nn.Sgd;
import io.tornadoresnet.nn.SharedBuffersTest;
import io.tornadoresnet.nn.Shortcut;
import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.BufferHistory;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.plan.Stage;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The JVM backend's fused chains, which run ops later than the plan lists them, never read a tensor
 * whose buffer has moved on; sharing buffers changes no bit of what the backend computes.
 */
class SharedBuffersOnJvmTest {

    @Test
    void fusedChainsReadNoTensorWhoseBufferAnotherHasTakenOver() {
        SharedBuffersTest.plans().forEach((name, plan) -> {
            for (boolean normChains : new boolean[] {true, false}) {
                List<List<Op>> steps = Fusion.schedule(plan, normChains).stream().map(Fusion.Step::ops).toList();
                List<String> overwrites = BufferHistory.overwrittenReads(steps);
                assertTrue(overwrites.isEmpty(), name + ": " + overwrites);
            }
        });
    }

    @Test
    void sharingChangesNoBitOfTrainingOrInference() throws ReflectiveOperationException {
        for (String name : List.of("resnet20", "resnet18")) {
            ResNet shared = model(name);
            ResNet separate = model(name);
            float[] sharedResults = run(shared, shared.compileTraining(4, Sgd.PAPER), shared.compileInference(4));
            float[] separateResults = run(separate, separately(separate.compileTraining(4, Sgd.PAPER)),
                    separately(separate.compileInference(4)));
            assertArrayEquals(separateResults, sharedResults, name);
            for (Map.Entry<String, Tensor> e : separate.stateDict().entrySet()) {
                assertArrayEquals(e.getValue().data(), shared.stateDict().get(e.getKey()).data(), e.getKey());
            }
        }
    }

    private static ResNet model(String name) {
        ResNet model = ResNets.create(name, Shape.of(3, 16, 16), 10, name.equals("resnet20") ? Shortcut.A : Shortcut.B);
        model.initialize(3);
        return model;
    }

    /** Losses of three training steps, then the logits of an inference step, on the same random batches. */
    private static float[] run(ResNet model, Plan training, Plan inference) {
        Random random = new Random(4);
        List<Float> results = new ArrayList<>();
        try (Backend backend = new JvmBackend(2);
             Backend.Executable train = backend.compile(training);
             Backend.Executable infer = backend.compile(inference)) {
            training.learningRate().data()[0] = 0.05f;
            for (int step = 0; step < 3; step++) {
                fill(training, random, model.classes());
                train.run();
                results.add(training.loss());
            }
            fill(inference, random, model.classes());
            infer.run();
            for (float v : inference.logits().data()) {
                results.add(v);
            }
        }
        float[] values = new float[results.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = results.get(i);
        }
        return values;
    }

    private static void fill(Plan plan, Random random, int classes) {
        float[] x = plan.input().data();
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < plan.labels().length; i++) {
            plan.labels()[i] = random.nextInt(classes);
        }
    }

    /** The plan with a buffer of its own for every tensor that shares one: the same ops over copies of them. */
    private static Plan separately(Plan plan) throws ReflectiveOperationException {
        Map<float[], Integer> sharers = new IdentityHashMap<>();
        Set<Tensor> tensors = SharedBuffersTest.tensors(plan);
        tensors.forEach(t -> sharers.merge(t.data(), 1, Integer::sum));
        Map<Object, Object> copies = new IdentityHashMap<>();
        for (Tensor t : tensors) {
            copies.put(t, sharers.get(t.data()) > 1 ? new Tensor(t.name(), t.shape()) : t);
        }
        assertTrue(copies.entrySet().stream().anyMatch(e -> e.getKey() != e.getValue()), "nothing was shared");
        List<Stage> stages = new ArrayList<>();
        for (Stage stage : plan.stages()) {
            List<Op> ops = new ArrayList<>();
            for (Op op : stage.ops()) {
                ops.add((Op) copy(op, copies));
            }
            stages.add(new Stage(stage.name(), ops));
        }
        assertEquals(plan.stages().size(), stages.size());
        return new Plan(plan.mode(), plan.batch(), stages, plan.input(), plan.labels(), plan.learningRate(),
                plan.metrics(), plan.logits(), plan.probabilities(), plan.inputGradient(), plan.modelState(),
                plan.layers());
    }

    /** The op record with its tensors (and the ops it holds) replaced by their copies. */
    private static Object copy(Object value, Map<Object, Object> copies) throws ReflectiveOperationException {
        if (copies.containsKey(value)) {
            return copies.get(value);
        }
        if (!(value instanceof Op op)) {
            return value;
        }
        RecordComponent[] components = op.getClass().getRecordComponents();
        Object[] values = new Object[components.length];
        Class<?>[] types = new Class<?>[components.length];
        for (int i = 0; i < components.length; i++) {
            values[i] = copy(components[i].getAccessor().invoke(op), copies);
            types[i] = components[i].getType();
        }
        Object copied = op.getClass().getDeclaredConstructor(types).newInstance(values);
        copies.put(op, copied);
        return copied;
    }
}
