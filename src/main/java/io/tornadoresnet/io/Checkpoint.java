package io.tornadoresnet.io;

import io.tornadoresnet.nn.Parameter;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * A model checkpoint as a safetensors file that PyTorch reads: the state dict under PyTorch's
 * names (with each batch norm's num_batches_tracked as a 0-dim int64), the SGD momentum buffers
 * under {@code optimizer.momentum.<name>}, and {@link CheckpointMetadata}. Written atomically,
 * with a CRC32C of the tensor data and the metadata under the metadata key {@value #CHECKSUM},
 * verified when the file is read back.
 */
public final class Checkpoint {
    public static final String FORMAT = "tornado-resnet";
    public static final String MOMENTUM_PREFIX = "optimizer.momentum.";
    /** Metadata key of the checksum: {@code crc32c:} and eight hex digits. */
    public static final String CHECKSUM = "checksum";
    private static final String CHECKSUM_PREFIX = "crc32c:";
    private static final String RUNNING_VAR = ".running_var";
    private static final String NUM_BATCHES_TRACKED = ".num_batches_tracked";

    private Checkpoint() {
    }

    /** A checkpoint read back: its metadata and its tensors. */
    public record Loaded(CheckpointMetadata metadata, SafeTensors.Contents contents) {
    }

    /** Writes the model (and its momentum buffers) with its metadata; num_batches_tracked is the step. */
    public static void save(Path file, ResNet model, CheckpointMetadata metadata) throws IOException {
        if (!metadata.model().equals(model.name())) {
            throw new IllegalArgumentException("metadata names " + metadata.model() + ", the model is " + model.name());
        }
        Map<String, SafeTensors.Entry> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : model.stateDict().entrySet()) {
            tensors.put(e.getKey(), SafeTensors.Entry.of(e.getValue()));
            if (e.getKey().endsWith(RUNNING_VAR)) {
                String prefix = e.getKey().substring(0, e.getKey().length() - RUNNING_VAR.length());
                tensors.put(prefix + NUM_BATCHES_TRACKED, SafeTensors.Entry.i64(new long[] {metadata.step()}));
            }
        }
        for (Parameter p : model.parameters()) {
            tensors.put(MOMENTUM_PREFIX + p.name(), SafeTensors.Entry.of(p.velocity()));
        }
        Map<String, String> strings = new LinkedHashMap<>(metadata.toMap());
        strings.put(CHECKSUM, CHECKSUM_PREFIX + String.format("%08x", checksum(tensors, strings)));
        SafeTensors.write(file, tensors, strings);
    }

    /**
     * Reads a checkpoint and verifies its checksum (files without one, such as PyTorch's, are
     * taken as they are).
     *
     * @throws IOException naming the file when it is unreadable, not a checkpoint, or corrupt
     */
    public static Loaded read(Path file) throws IOException {
        SafeTensors.Contents contents = SafeTensors.read(file);
        Map<String, String> strings = new LinkedHashMap<>(contents.metadata());
        String stored = strings.remove(CHECKSUM);
        if (stored != null) {
            String computed = CHECKSUM_PREFIX + String.format("%08x", checksum(contents.tensors(), strings));
            if (!stored.equals(computed)) {
                throw new CheckpointException(contents.source(), "checksum mismatch (stored " + stored
                        + ", computed " + computed + "): the file is corrupt; resume from an earlier checkpoint"
                        + " or train again");
            }
        }
        return new Loaded(metadata(contents, strings), contents);
    }

    /**
     * The metadata of a checkpoint, after checking that the class count it claims is the one its
     * fc.bias holds, so that no lie in the metadata allocates.
     */
    private static CheckpointMetadata metadata(SafeTensors.Contents contents, Map<String, String> strings)
            throws CheckpointException {
        CheckpointMetadata metadata;
        try {
            metadata = CheckpointMetadata.fromMap(strings);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(contents.source(), e.getMessage());
        }
        SafeTensors.Entry bias = contents.tensors().get("fc.bias");
        long[] biasShape = bias == null ? new long[0] : bias.shape();
        if (biasShape.length != 1 || biasShape[0] != metadata.classes()) {
            throw new CheckpointException(contents.source(), "metadata says " + strings.get("classes")
                    + " classes but tensor 'fc.bias' is " + (bias == null ? "missing" : bias));
        }
        return metadata;
    }

    /** Builds the (uninitialised) model a checkpoint's metadata names. */
    public static ResNet model(CheckpointMetadata metadata) {
        return ResNets.create(metadata.model(), metadata.input(), metadata.classes(), metadata.shortcut());
    }

    /** Builds the (uninitialised) model a checkpoint names, after checking its metadata. */
    public static ResNet model(SafeTensors.Contents contents) throws CheckpointException {
        CheckpointMetadata metadata = metadata(contents, contents.metadata());
        try {
            return model(metadata);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(contents.source(), "metadata names no model this program builds: "
                    + e.getMessage());
        }
    }

    /** CRC32C of the tensors' little-endian bytes in order, then of the metadata sorted by key. */
    static int checksum(Map<String, SafeTensors.Entry> tensors, Map<String, String> metadata) {
        CRC32C crc = new CRC32C();
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (SafeTensors.Entry e : tensors.values()) {
            int n = e.size();
            int perChunk = buf.capacity() / e.dtype().bytes();
            for (int from = 0; from < n; from += perChunk) {
                int count = Math.min(perChunk, n - from);
                buf.clear();
                switch (e.dtype()) {
                    case F32 -> buf.asFloatBuffer().put(e.floats(), from, count);
                    case I64 -> buf.asLongBuffer().put(e.longs(), from, count);
                    case I32 -> buf.asIntBuffer().put(e.ints(), from, count);
                }
                crc.update(buf.array(), 0, count * e.dtype().bytes());
            }
        }
        for (Map.Entry<String, String> m : new TreeMap<>(metadata).entrySet()) {
            crc.update((m.getKey() + '\0' + m.getValue() + '\0').getBytes(StandardCharsets.UTF_8));
        }
        return (int) crc.getValue();
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
