package io.tornadoresnet.io;

import io.tornadoresnet.nn.Parameter;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.nn.Shortcut;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A model checkpoint as a safetensors file that PyTorch reads: the state dict under PyTorch's
 * names (with each batch norm's num_batches_tracked as a 0-dim int64), the SGD momentum buffers
 * under {@code optimizer.momentum.<name>}, and metadata naming the model so that it can be
 * rebuilt (model, input, classes, shortcut) plus whatever the trainer adds (epoch, step, seed,
 * recipe, normalisation). Written atomically.
 */
public final class Checkpoint {
    public static final String FORMAT = "tornado-resnet";
    public static final String MOMENTUM_PREFIX = "optimizer.momentum.";
    private static final String RUNNING_VAR = ".running_var";

    private Checkpoint() {
    }

    /** Writes the model (and its momentum buffers) with the given extra metadata. */
    public static void save(Path file, ResNet model, long batchesTracked, Map<String, String> extraMetadata)
            throws IOException {
        Map<String, SafeTensors.Entry> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
            tensors.put(e.getKey(), SafeTensors.Entry.of(e.getValue()));
            if (e.getKey().endsWith(RUNNING_VAR)) {
                String prefix = e.getKey().substring(0, e.getKey().length() - RUNNING_VAR.length());
                tensors.put(prefix + ".num_batches_tracked", SafeTensors.Entry.i64(new long[] {batchesTracked}));
            }
        }
        for (Parameter p : model.parameters()) {
            tensors.put(MOMENTUM_PREFIX + p.name(), SafeTensors.Entry.of(p.velocity()));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("format", FORMAT);
        metadata.put("model", model.name());
        metadata.put("input", model.imageShape().toString());
        metadata.put("classes", Integer.toString(model.classes()));
        if (model.shortcut() != Shortcut.NONE) {
            metadata.put("shortcut", model.shortcut().name());
        }
        metadata.putAll(extraMetadata);
        SafeTensors.write(file, tensors, metadata);
    }

    /** Builds the (uninitialised) model a checkpoint's metadata names. */
    public static ResNet model(Map<String, String> metadata) {
        for (String key : new String[] {"model", "input", "classes"}) {
            if (!metadata.containsKey(key)) {
                throw new IllegalArgumentException("checkpoint metadata lacks '" + key + "': not written by "
                        + FORMAT + " or its PyTorch script");
            }
        }
        Shortcut shortcut = "B".equalsIgnoreCase(metadata.getOrDefault("shortcut", "A")) ? Shortcut.B : Shortcut.A;
        return ResNets.create(metadata.get("model"), Shape.parse(metadata.get("input")),
                Integer.parseInt(metadata.get("classes")), shortcut);
    }

    /**
     * Copies a checkpoint's tensors into a model built for it; every state-dict tensor must be
     * present with the model's shape. Momentum buffers are restored when present (zero otherwise).
     *
     * @return num_batches_tracked of the first batch norm (0 if none)
     */
    public static long restore(ResNet model, SafeTensors.Contents contents) throws IOException {
        Map<String, SafeTensors.Entry> tensors = contents.tensors();
        for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
            copy(tensors.get(e.getKey()), e.getValue(), e.getKey(), true);
        }
        for (Parameter p : model.parameters()) {
            copy(tensors.get(MOMENTUM_PREFIX + p.name()), p.velocity(), MOMENTUM_PREFIX + p.name(), false);
        }
        SafeTensors.Entry tracked = tensors.get("bn1.num_batches_tracked");
        return tracked == null ? 0 : tracked.longs()[0];
    }

    private static void copy(SafeTensors.Entry entry, Tensor target, String name, boolean required)
            throws IOException {
        if (entry == null) {
            if (required) {
                throw new IOException("checkpoint lacks tensor '" + name + "'");
            }
            java.util.Arrays.fill(target.data(), 0f);
            return;
        }
        long[] shape = entry.shape();
        int[] dims = target.shape().dims();
        boolean same = shape.length == dims.length;
        for (int i = 0; same && i < dims.length; i++) {
            same = shape[i] == dims[i];
        }
        if (!same || entry.dtype() != SafeTensors.DType.F32) {
            throw new IOException("checkpoint tensor '" + name + "' is " + entry.dtype() + " "
                    + java.util.Arrays.toString(shape) + ", the model wants F32 " + target.shape());
        }
        entry.copyTo(target);
    }
}
