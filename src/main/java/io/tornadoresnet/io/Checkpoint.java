package io.tornadoresnet.io;

import io.tornadoresnet.nn.Parameter;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.nn.Shortcut;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
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
    private static final String NUM_BATCHES_TRACKED = ".num_batches_tracked";

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
                tensors.put(prefix + NUM_BATCHES_TRACKED, SafeTensors.Entry.i64(new long[] {batchesTracked}));
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
     * Builds the (uninitialised) model a checkpoint names, after checking its metadata and that the
     * class count it claims is the one its fc.bias holds, so that no lie in the metadata allocates.
     */
    public static ResNet model(SafeTensors.Contents contents) throws CheckpointException {
        Map<String, String> metadata = contents.metadata();
        for (String key : new String[] {"model", "input", "classes"}) {
            if (!metadata.containsKey(key)) {
                throw new CheckpointException(contents.source(), "metadata lacks '" + key + "': not written by "
                        + FORMAT + " or its PyTorch script");
            }
        }
        SafeTensors.Entry bias = contents.tensors().get("fc.bias");
        long[] biasShape = bias == null ? new long[0] : bias.shape();
        if (biasShape.length != 1 || !Long.toString(biasShape[0]).equals(metadata.get("classes"))) {
            throw new CheckpointException(contents.source(), "metadata says " + metadata.get("classes")
                    + " classes but tensor 'fc.bias' is " + (bias == null ? "missing" : bias));
        }
        try {
            return model(metadata);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(contents.source(), "metadata names no model this program builds: "
                    + e.getMessage());
        }
    }

    /**
     * Copies a checkpoint's tensors into a model built for it, as PyTorch's strict
     * {@code load_state_dict}: every state-dict tensor must be present with the model's shape, and
     * every tensor of the file must be one the model has. Momentum buffers are restored when
     * present (zero otherwise). The first tensor that does not fit is named.
     *
     * @return num_batches_tracked of the first batch norm (0 if none)
     */
    public static long restore(ResNet model, SafeTensors.Contents contents) throws CheckpointException {
        Map<String, Tensor> expected = new LinkedHashMap<>(model.stateDict());
        for (Parameter p : model.parameters()) {
            expected.put(MOMENTUM_PREFIX + p.name(), p.velocity());
        }
        Map<String, SafeTensors.Entry> tensors = contents.tensors();
        for (Map.Entry<String, SafeTensors.Entry> e : tensors.entrySet()) {
            String name = e.getKey();
            SafeTensors.Entry entry = e.getValue();
            if (name.endsWith(NUM_BATCHES_TRACKED)) {
                String prefix = name.substring(0, name.length() - NUM_BATCHES_TRACKED.length());
                if (!expected.containsKey(prefix + RUNNING_VAR)) {
                    throw unexpected(contents, model, name);
                }
                if (entry.dtype() != SafeTensors.DType.I64 || entry.size() != 1) {
                    throw new CheckpointException(contents.source(), "tensor '" + name + "' is " + entry
                            + ", not one I64");
                }
            } else if (!expected.containsKey(name)) {
                throw unexpected(contents, model, name);
            } else if (!fits(entry, expected.get(name))) {
                throw new CheckpointException(contents.source(), "tensor '" + name + "' is " + entry + ", "
                        + model.name() + " wants F32" + Arrays.toString(expected.get(name).shape().dims())
                        + " (a checkpoint of another model?)");
            }
        }
        for (String name : model.stateDict().keySet()) {
            if (!tensors.containsKey(name)) {
                throw new CheckpointException(contents.source(), "has no tensor '" + name + "', which "
                        + model.name() + " needs (a checkpoint of another model?)");
            }
        }
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            SafeTensors.Entry entry = tensors.get(e.getKey());
            if (entry == null) {
                Arrays.fill(e.getValue().data(), 0f);
            } else {
                entry.copyTo(e.getValue());
            }
        }
        SafeTensors.Entry tracked = tensors.get("bn1" + NUM_BATCHES_TRACKED);
        return tracked == null ? 0 : tracked.longs()[0];
    }

    private static boolean fits(SafeTensors.Entry entry, Tensor target) {
        return entry.dtype() == SafeTensors.DType.F32
                && Arrays.equals(entry.shape(), Arrays.stream(target.shape().dims()).asLongStream().toArray());
    }

    private static CheckpointException unexpected(SafeTensors.Contents contents, ResNet model, String name) {
        return new CheckpointException(contents.source(), "tensor '" + name + "' is not part of " + model.name()
                + " (a checkpoint of another model?)");
    }
}
