package io.tornadoresnet.io;

import io.tornadoresnet.nn.Parameter;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.tensor.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
                tensors.put(prefix + ".num_batches_tracked", SafeTensors.Entry.i64(new long[] {metadata.step()}));
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
        if (Files.isDirectory(file)) {
            throw new IOException(file + " is a directory, not a checkpoint file");
        }
        SafeTensors.Contents contents = SafeTensors.read(file);
        Map<String, String> strings = new LinkedHashMap<>(contents.metadata());
        String stored = strings.remove(CHECKSUM);
        if (stored != null) {
            String computed = CHECKSUM_PREFIX + String.format("%08x", checksum(contents.tensors(), strings));
            if (!stored.equals(computed)) {
                throw new IOException(file + ": checksum mismatch (stored " + stored + ", computed " + computed
                        + "): the file is corrupt; resume from an earlier checkpoint or train again");
            }
        }
        try {
            return new Loaded(CheckpointMetadata.fromMap(strings), contents);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage());
        }
    }

    /** Builds the (uninitialised) model a checkpoint's metadata names. */
    public static ResNet model(CheckpointMetadata metadata) {
        return ResNets.create(metadata.model(), metadata.input(), metadata.classes(), metadata.shortcut());
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
