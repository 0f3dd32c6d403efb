package io.tornadoresnet.backend.tornado;

import io.tornadoresnet.plan.KernelCall;
import io.tornadoresnet.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Where every buffer of a plan lives on the device, and how each task graph declares it.
 *
 * <p>The graphs run in a fixed cycle: the upload graphs (only before the first step and after
 * {@code pushModelState}), then the stage graphs, every step. TornadoVM 5.2 hands a device buffer
 * from one graph to another only through {@code consumeFromDevice}, and only from the graph that
 * ran immediately before (TornadoTaskGraph#updatePersistedObjectState syncs from the last executed
 * graph, by its name). So a buffer that graph i produces and graph j &gt; i + 1 reads is relayed:
 * every graph in between consumes it from its predecessor and persists it again, without a task
 * touching it. The model state (weights, running statistics, momentum) is born in the upload
 * graphs and relayed around the whole cycle, so that the first stage graph finds the optimizer's
 * updated weights in the next step (it consumes them from the last stage graph) and fresh ones
 * after an upload (from the last upload graph): all graphs hold the same device buffer for each
 * tensor.
 *
 * <p>Buffers that are not model state are born ({@code FIRST_EXECUTION}: one copy, in the first
 * step) in the first stage graph that uses them and relayed up to the last one; the per-step inputs
 * (batch, labels, learning rate) are born with {@code EVERY_EXECUTION}; the outputs leave with
 * {@code EVERY_EXECUTION} from the last graph that uses them.
 *
 * <p>TornadoVM 5.2 builds each graph into a dependency graph of at most 1024 nodes
 * (TornadoGraph#resize is unimplemented), so {@link #nodes} estimates that count and the backend
 * splits stages whose graphs would not fit.
 */
final class Residency {

    /** TornadoGraph's fixed capacity in TornadoVM 5.2, less a margin. */
    static final int NODE_BUDGET = 1000;

    /** The arrays and scalars one task passes, in parameter order. */
    record TaskUse(List<Object> arrays, List<Object> scalars) {
        static TaskUse of(KernelCall call) {
            List<Object> arrays = new ArrayList<>();
            List<Object> scalars = new ArrayList<>();
            for (Object arg : call.args()) {
                if (arg instanceof Tensor t) {
                    arrays.add(t.data());
                } else if (arg instanceof int[]) {
                    arrays.add(arg);
                } else {
                    scalars.add(arg);
                }
            }
            return new TaskUse(List.copyOf(arrays), List.copyOf(scalars));
        }

        /** Whether one array fills two parameters, which TornadoVM's access analysis does not model. */
        boolean aliases() {
            return distinct(arrays).size() != arrays.size();
        }
    }

    /** How one graph declares its buffers. Lists keep the first-use order, without duplicates. */
    record GraphDecl(List<Object> consumed, List<Object> everyIn, List<Object> firstIn, List<Object> out,
                     List<Object> persisted) {
    }

    private final List<GraphDecl> graphs;
    private final List<Integer> nodes;

    /**
     * @param graphs  each graph's tasks, in run order: first the {@code uploads} upload graphs, whose
     *                tasks name only model state, then the stage graphs
     * @param uploads how many of the graphs are upload graphs (at least one)
     * @param state   the model state: born in the upload graph whose tasks name it, relayed around the cycle
     * @param inputs  per-step inputs (float[] or int[]), copied in every step
     * @param outputs per-step outputs, copied out every step
     * @param updateStart index of the first update graph (the graphs from it on run as the second half)
     * @param exchanged the gradients that leave the device before the update graphs and come back
     *                  for them; empty for a plan whose step runs in one piece
     */
    Residency(List<List<TaskUse>> graphs, int uploads, List<Object> state, List<Object> inputs, List<Object> outputs,
              int updateStart, List<Object> exchanged) {
        Set<Object> stateSet = identitySet(state);
        Set<Object> exchangedSet = identitySet(exchanged);
        Set<Object> inputSet = identitySet(inputs);
        Set<Object> outputSet = identitySet(outputs);
        int n = graphs.size();
        Map<Object, int[]> range = new IdentityHashMap<>();
        Map<Object, int[]> beforeUpdate = new IdentityHashMap<>();
        Map<Object, int[]> inUpdate = new IdentityHashMap<>();
        List<Object> order = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            for (TaskUse task : graphs.get(k)) {
                for (Object array : task.arrays()) {
                    int[] r = range.get(array);
                    if (r == null) {
                        range.put(array, new int[] {k, k});
                        order.add(array);
                    } else {
                        r[1] = k;
                    }
                    if (exchangedSet.contains(array)) {
                        int[] half = (k < updateStart ? beforeUpdate : inUpdate).computeIfAbsent(array,
                                a -> new int[] {-1, -1});
                        half[0] = half[0] < 0 ? k : half[0];
                        half[1] = k;
                    }
                }
            }
        }
        for (Object s : state) {
            int[] r = range.get(s);
            if (r == null || r[0] >= uploads) {
                throw new IllegalArgumentException("model state not named by an upload graph");
            }
        }
        List<GraphDecl> decls = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        for (int k = 0; k < n; k++) {
            List<Object> consumed = new ArrayList<>();
            List<Object> persisted = new ArrayList<>();
            List<Object> everyIn = new ArrayList<>();
            List<Object> firstIn = new ArrayList<>();
            List<Object> out = new ArrayList<>();
            for (Object array : order) {
                int first = range.get(array)[0];
                if (stateSet.contains(array)) {
                    // born in its upload graph, alive in every later graph and around the cycle
                    if (k == first) {
                        everyIn.add(array);
                    } else if (k > first) {
                        consumed.add(array);
                    }
                    if (k >= first) {
                        persisted.add(array);
                    }
                    continue;
                }
                if (exchangedSet.contains(array)) {
                    boolean firstHalf = k < updateStart;
                    int[] half = (firstHalf ? beforeUpdate : inUpdate).get(array);
                    if (half == null || k < half[0] || k > half[1]) {
                        continue;
                    }
                    if (k == half[0]) {
                        (firstHalf ? firstIn : everyIn).add(array);
                    } else {
                        consumed.add(array);
                    }
                    (firstHalf && k == half[1] ? out : persisted).add(array);
                    continue;
                }
                int last = range.get(array)[1];
                if (k == first) {
                    (inputSet.contains(array) ? everyIn : firstIn).add(array);
                } else if (k > first && k <= last) {
                    consumed.add(array);
                }
                // persisted in every graph that holds it (even the last: a graph deallocates what it
                // does not persist, which TornadoVM's buffer reuse makes harmless, but only by default),
                // except an output where it leaves the device
                if (k == last && outputSet.contains(array)) {
                    out.add(array);
                } else if (k >= first && k <= last) {
                    persisted.add(array);
                }
            }
            GraphDecl decl = new GraphDecl(List.copyOf(consumed), List.copyOf(everyIn), List.copyOf(firstIn),
                    List.copyOf(out), List.copyOf(persisted));
            decls.add(decl);
            counts.add(estimateNodes(decl, graphs.get(k)));
        }
        this.graphs = List.copyOf(decls);
        this.nodes = List.copyOf(counts);
    }

    List<GraphDecl> graphs() {
        return graphs;
    }

    /**
     * Two arrays of graph k whose identity hash codes are equal, or null. TornadoVM 5.2 keys a
     * graph's objects by {@code hashCode()} (TornadoExecutionContext#insertVariable), so two such
     * arrays in one graph would share one device buffer.
     */
    static Object[] hashCollision(GraphDecl decl, List<TaskUse> tasks) {
        Map<Integer, Object> seen = new HashMap<>();
        List<Object> all = new ArrayList<>(decl.consumed());
        all.addAll(decl.everyIn());
        all.addAll(decl.firstIn());
        tasks.forEach(t -> all.addAll(t.arrays()));
        for (Object a : all) {
            Object other = seen.putIfAbsent(System.identityHashCode(a), a);
            if (other != null && other != a) {
                return new Object[] {other, a};
            }
        }
        return null;
    }

    /** Estimated TornadoGraph nodes of graph k (an upper bound, see {@link #estimateNodes}). */
    int nodes(int k) {
        return nodes.get(k);
    }

    /**
     * Nodes that TornadoGraphBuilder creates for a graph: a context and an allocation node, one
     * node per constant and per object (arrays the graph declares or relays), per task a launch
     * node and a dependent-read node per written array (every array counts here: an upper bound),
     * per distinct task array its first transfer or allocation and its persist or deallocate node,
     * and a copy-out per output. Measured on TornadoVM 5.2: a graph fails from 1024 nodes.
     */
    static int estimateNodes(GraphDecl decl, List<TaskUse> tasks) {
        Set<Object> objects = identitySet(decl.consumed());
        objects.addAll(decl.everyIn());
        objects.addAll(decl.firstIn());
        Set<Object> taskArrays = identitySet(List.of());
        Set<Object> constants = new HashSet<>();
        int perTask = 0;
        for (TaskUse task : tasks) {
            objects.addAll(task.arrays());
            taskArrays.addAll(task.arrays());
            constants.addAll(task.scalars());
            perTask += 1 + task.arrays().size();
        }
        return 3 + constants.size() + objects.size() + perTask + 2 * taskArrays.size() + decl.out().size();
    }

    private static List<Object> distinct(List<Object> arrays) {
        List<Object> result = new ArrayList<>();
        for (Object a : arrays) {
            if (result.stream().noneMatch(b -> b == a)) {
                result.add(a);
            }
        }
        return result;
    }

    private static Set<Object> identitySet(List<Object> objects) {
        Set<Object> set = Collections.newSetFromMap(new IdentityHashMap<>());
        set.addAll(objects);
        return set;
    }
}
