package io.tornadoresnet.backend.tornado;

import io.tornadoresnet.plan.Backend;
import io.tornadoresnet.plan.KernelCall;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.plan.Plan;
import io.tornadoresnet.plan.Stage;
import io.tornadoresnet.tensor.Tensor;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.TornadoProfilerResult;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.enums.ProfilerMode;
import uk.ac.manchester.tornado.api.exceptions.TornadoExecutionPlanException;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A plan compiled into TornadoVM task graphs: the first graphs upload the model state (only
 * before the first step and after {@link #pushModelState()}), the others are the plan's stages
 * (one graph per stage, or several where a stage does not fit one), run in order every step.
 * All graphs share one {@link TornadoExecutionPlan}; {@link Residency} says which buffer goes where.
 */
public final class TornadoExecutable implements Backend.Executable {
    private final Plan plan;
    private final boolean profile;
    private final Object[] state;
    private final List<String> graphNames = new ArrayList<>();
    private final List<String> stageNames = new ArrayList<>();
    private final int[] tasksPerGraph;
    private final int uploadGraphs;
    /** Index of the first update graph: {@link #computeGradients()} runs the stage graphs before it. */
    private final int updateGraph;
    private final TornadoExecutionPlan executionPlan;
    private final long deviceBytes;
    private final Tuning tuning;
    /** The launch shapes of the tasks that set their own (KernelContext routines), by graph.task. */
    private final GridScheduler grids = new GridScheduler();
    private int launchedTasks;
    private TornadoExecutionResult lastResult;
    private boolean uploadPending = true;
    private boolean deviceAhead;
    private boolean closed;
    private long bytesIn;
    private long bytesOut;
    private long uploadBytesIn;

    /** One task graph to be: an upload graph with keep tasks over the state, or (part of) a stage. */
    private record Unit(String stage, boolean upload, List<DeviceTask> calls, List<float[][]> keeps) {
        int size() {
            return upload ? keeps.size() : calls.size();
        }

        List<Residency.TaskUse> tasks() {
            List<Residency.TaskUse> tasks = new ArrayList<>();
            if (upload) {
                for (float[][] keep : keeps) {
                    tasks.add(new Residency.TaskUse(List.of((Object[]) keep), List.of(0)));
                }
            } else {
                calls.forEach(c -> tasks.add(c.use()));
            }
            return tasks;
        }

        List<Unit> halves() {
            int h = size() / 2;
            return upload
                    ? List.of(new Unit(stage, true, calls, keeps.subList(0, h)),
                            new Unit(stage, true, calls, keeps.subList(h, keeps.size())))
                    : List.of(new Unit(stage, false, calls.subList(0, h), keeps),
                            new Unit(stage, false, calls.subList(h, calls.size()), keeps));
        }
    }

    /** @param tuning which device routines replace the plain kernels ({@link Routines}) */
    TornadoExecutable(Plan plan, TornadoDevice device, boolean profile, String prefix, Tuning tuning) {
        this.plan = plan;
        this.profile = profile;
        this.tuning = tuning;
        List<Object> stateArrays = new ArrayList<>();
        plan.modelState().forEach(t -> stateArrays.add(t.data()));
        this.state = stateArrays.toArray();

        List<Unit> units = new ArrayList<>();
        units.add(new Unit("upload", true, List.of(), keepTasks(state)));
        Op.Workspace workspace = Tensor::new;
        for (Stage stage : plan.stages()) {
            List<KernelCall> calls = new ArrayList<>();
            for (Op op : stage.ops()) {
                calls.addAll(op.lower(workspace));
            }
            for (KernelCall call : calls) {
                if (Residency.TaskUse.of(call).aliases()) {
                    throw new IllegalArgumentException("kernel call passes one buffer twice, which the tornado "
                            + "backend cannot run: " + call);
                }
            }
            if (!calls.isEmpty()) {
                units.add(new Unit(stage.name(), false, Routines.select(calls, tuning), List.of()));
            }
        }
        List<Object> inputs = new ArrayList<>();
        inputs.add(plan.input().data());
        inputs.add(plan.labels());
        if (plan.learningRate() != null) {
            inputs.add(plan.learningRate().data());
        }
        List<Object> outputs = new ArrayList<>();
        outputs.add(plan.metrics().data());
        if (plan.probabilities() != null) { // inference: the scores come out too
            outputs.add(plan.logits().data());
            outputs.add(plan.probabilities().data());
        }
        if (plan.inputGradient() != null) { // gradient checks
            outputs.add(plan.inputGradient().data());
        }

        Set<String> updateStages = new HashSet<>();
        int updateStart = plan.updateStart() < 0 ? plan.stages().size() : plan.updateStart();
        plan.stages().subList(updateStart, plan.stages().size()).forEach(stage -> updateStages.add(stage.name()));
        List<Object> exchanged = new ArrayList<>();
        if (plan.exchangesGradients()) {
            plan.gradients().forEach(g -> exchanged.add(g.data()));
        }
        Residency residency = fit(units, stateArrays, inputs, outputs, updateStages, exchanged);
        this.uploadGraphs = (int) units.stream().filter(Unit::upload).count();
        this.updateGraph = firstUpdate(units, updateStages);
        for (int k = 0; k < units.size(); k++) {
            Unit u = units.get(k);
            boolean split = k > 0 && units.get(k - 1).stage().equals(u.stage())
                    || k + 1 < units.size() && units.get(k + 1).stage().equals(u.stage());
            graphNames.add(prefix + "_" + k + "_" + u.stage().replaceAll("[^A-Za-z0-9]", "_") + (split ? "_part" : ""));
            if (!u.upload()) {
                stageNames.add(u.stage());
            }
        }
        for (int k = 0; k < units.size(); k++) {
            if (Residency.hashCollision(residency.graphs().get(k), units.get(k).tasks()) != null) {
                throw new IllegalStateException("two buffers of graph " + graphNames.get(k) + " have the same identity "
                        + "hash code, which TornadoVM 5.2 takes for one object (rare: build the model and the plan again)");
            }
        }
        this.deviceBytes = DeviceMemory.bytes(units.stream().flatMap(u -> u.tasks().stream()).toList());
        this.tasksPerGraph = new int[units.size()];
        List<ImmutableTaskGraph> graphs = new ArrayList<>();
        for (int k = 0; k < units.size(); k++) {
            graphs.add(taskGraph(k, units.get(k), residency.graphs().get(k)).snapshot());
        }
        executionPlan = new TornadoExecutionPlan(graphs.toArray(new ImmutableTaskGraph[0]));
        if (device != null) {
            executionPlan.withDevice(device);
        }
        if (launchedTasks > 0) {
            executionPlan.withGridScheduler(grids);
        }
        if (profile) {
            executionPlan.withProfiler(ProfilerMode.SILENT);
        }
    }

    /** Keep tasks name 16 state arrays each; the last one is padded with one-element arrays of its own. */
    private static List<float[][]> keepTasks(Object[] state) {
        List<float[][]> keeps = new ArrayList<>();
        int per = StateKernels.ARRAYS;
        for (int c = 0; c < Math.max(1, (state.length + per - 1) / per); c++) {
            float[][] keep = new float[per][];
            for (int i = 0; i < per; i++) {
                int s = c * per + i;
                keep[i] = s < state.length ? (float[]) state[s] : new float[1];
            }
            keeps.add(keep);
        }
        return keeps;
    }

    /** Index of the first unit of an update stage, or the number of units when there is none. */
    private static int firstUpdate(List<Unit> units, Set<String> updateStages) {
        for (int k = 0; k < units.size(); k++) {
            if (!units.get(k).upload() && updateStages.contains(units.get(k).stage())) {
                return k;
            }
        }
        return units.size();
    }

    /** Splits units in halves until every graph fits TornadoVM's graph capacity. */
    private static Residency fit(List<Unit> units, List<Object> state, List<Object> inputs, List<Object> outputs,
                                 Set<String> updateStages, List<Object> exchanged) {
        while (true) {
            List<List<Residency.TaskUse>> uses = new ArrayList<>();
            units.forEach(u -> uses.add(u.tasks()));
            int uploads = (int) units.stream().filter(Unit::upload).count();
            Residency residency = new Residency(uses, uploads, state, inputs, outputs, firstUpdate(units, updateStages),
                    exchanged);
            int over = -1;
            for (int k = 0; k < units.size() && over < 0; k++) {
                if (residency.nodes(k) > Residency.NODE_BUDGET) {
                    over = k;
                }
            }
            if (over < 0) {
                return residency;
            }
            Unit big = units.get(over);
            if (big.size() < 2) {
                throw new IllegalArgumentException("the graph of stage " + big.stage() + " needs about "
                        + residency.nodes(over) + " TornadoVM graph nodes even with one task (TornadoVM 5.2 "
                        + "allows 1024): the model keeps too many buffers alive across stages");
            }
            units.remove(over);
            units.addAll(over, big.halves());
        }
    }

    private TaskGraph taskGraph(int k, Unit u, Residency.GraphDecl decl) {
        TaskGraph g = new TaskGraph(graphNames.get(k));
        if (!decl.consumed().isEmpty()) {
            Object[] consumed = decl.consumed().toArray();
            g.consumeFromDevice(graphNames.get(k - 1), consumed);
            if (k == uploadGraphs) {
                // the first stage graph runs after the last upload graph (first step, and after a
                // push) or else after the last stage graph
                g.consumeFromDevice(graphNames.get(graphNames.size() - 1), consumed);
            }
        }
        if (!decl.everyIn().isEmpty()) {
            g.transferToDevice(DataTransferMode.EVERY_EXECUTION, decl.everyIn().toArray());
        }
        if (!decl.firstIn().isEmpty()) {
            g.transferToDevice(DataTransferMode.FIRST_EXECUTION, decl.firstIn().toArray());
        }
        if (u.upload()) {
            for (int i = 0; i < u.keeps().size(); i++) {
                float[][] a = u.keeps().get(i);
                g.task("keep" + i, StateKernels::keep, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9],
                        a[10], a[11], a[12], a[13], a[14], a[15], 0);
            }
        } else {
            for (int i = 0; i < u.calls().size(); i++) {
                DeviceTask task = u.calls().get(i);
                task.add(g, graphNames.get(k), "t" + i + "_" + task.label(), grids);
                if (task.launched()) {
                    launchedTasks++;
                }
            }
        }
        tasksPerGraph[k] = u.size();
        if (!decl.out().isEmpty()) {
            g.transferToHost(DataTransferMode.EVERY_EXECUTION, decl.out().toArray());
        }
        if (!decl.persisted().isEmpty()) {
            g.persistOnDevice(decl.persisted().toArray());
        }
        return g;
    }

    @Override
    public Plan plan() {
        return plan;
    }

    @Override
    public void run() {
        checkOpen();
        startStep();
        executeStages(uploadGraphs, graphNames.size());
    }

    @Override
    public void computeGradients() {
        requireExchange();
        startStep();
        executeStages(uploadGraphs, updateGraph);
    }

    @Override
    public void applyGradients() {
        requireExchange();
        if (uploadPending) {
            throw new IllegalStateException("the model state was pushed between computeGradients and applyGradients; "
                    + "push it after the update");
        }
        executeStages(updateGraph, graphNames.size());
    }

    private void requireExchange() {
        checkOpen();
        if (!plan.exchangesGradients()) {
            throw new IllegalStateException("the plan was not compiled to exchange its gradients: "
                    + "compile plan.exchangingGradients()");
        }
    }

    /** Runs the upload graphs when the state must go (again) to the device, and zeroes the step's counts. */
    private void startStep() {
        bytesIn = 0;
        bytesOut = 0;
        uploadBytesIn = 0;
        if (uploadPending) {
            for (int k = 0; k < uploadGraphs; k++) {
                TornadoExecutionResult r = execute(k);
                if (profile) {
                    uploadBytesIn += r.getProfilerResult().getTotalBytesCopyIn();
                }
            }
            uploadPending = false;
        }
    }

    private void executeStages(int from, int to) {
        for (int k = from; k < to; k++) {
            TornadoExecutionResult r = execute(k);
            if (profile) {
                TornadoProfilerResult p = r.getProfilerResult();
                bytesIn += p.getTotalBytesCopyIn();
                bytesOut += p.getTotalBytesCopyOut();
            }
            lastResult = r;
        }
        deviceAhead = true;
    }

    private TornadoExecutionResult execute(int graph) {
        return executionPlan.withGraph(graph).execute();
    }

    @Override
    public void pullModelState() {
        checkOpen();
        if (deviceAhead && state.length > 0) {
            // the last graph executed is the last stage graph, which holds every state buffer (relayed)
            lastResult.transferToHost(state);
        }
        deviceAhead = false;
    }

    @Override
    public void pushModelState() {
        checkOpen();
        uploadPending = true;
        deviceAhead = false;
    }

    @Override
    public long deviceMemoryBytes() {
        return deviceBytes;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            executionPlan.close();
        } catch (TornadoExecutionPlanException e) {
            throw new IllegalStateException("cannot release the device buffers of a plan", e);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("plan closed");
        }
    }

    /** Host-to-device bytes of the stage graphs in the last {@link #run()}, as TornadoVM's profiler counts them. */
    public long bytesCopiedIn() {
        requireProfile();
        return bytesIn;
    }

    /** Device-to-host bytes of the stage graphs in the last {@link #run()}. */
    public long bytesCopiedOut() {
        requireProfile();
        return bytesOut;
    }

    /** Host-to-device bytes of the upload graphs in the last {@link #run()} (0 when they did not run). */
    public long uploadBytesCopiedIn() {
        requireProfile();
        return uploadBytesIn;
    }

    private void requireProfile() {
        if (!profile) {
            throw new IllegalStateException("compiled without the profiler: use new TornadoBackend(device, true)");
        }
    }

    /** Number of task graphs: upload graphs and stage graphs (a stage too big for one graph has several). */
    public int graphCount() {
        return graphNames.size();
    }

    /** Number of upload graphs, which run before the first step and after a push. */
    public int uploadGraphCount() {
        return uploadGraphs;
    }

    /** Tasks (kernel launches) per step: those of the stage graphs. */
    public int tasksPerStep() {
        int sum = 0;
        for (int k = uploadGraphs; k < tasksPerGraph.length; k++) {
            sum += tasksPerGraph[k];
        }
        return sum;
    }

    /** The stage of each stage graph, in run order (a stage split in parts appears once per part). */
    public List<String> stageNames() {
        return List.copyOf(stageNames);
    }
}
