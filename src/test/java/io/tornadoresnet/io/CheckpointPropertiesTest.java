package io.tornadoresnet.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tornadoresnet.io.SafeTensors.Contents;
import io.tornadoresnet.io.SafeTensors.Entry;
import io.tornadoresnet.nn.ResNet;
import io.tornadoresnet.nn.ResNets;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.testing.CleanFailure;
import io.tornadoresnet.testing.Mutation;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The safetensors reader and the checkpoint loader, fed random bytes, damaged files and headers
 * whose numbers were replaced, return what was written or fail with their own one-line
 * exception; never another exception, a hang or an allocation the file does not justify.
 */
class CheckpointPropertiesTest {
    private static final int TRIES = 300;
    private static final long SLACK_BYTES = 8L << 20;
    private static final Shape IMAGE = Shape.of(3, 8, 8);
    private static final byte[] CHECKPOINT = checkpoint();
    private static final long[] HOSTILE_NUMBERS = {0, 1, -1, 3, 4, 8, 16, 1L << 31, 1L << 32, Long.MAX_VALUE,
            Long.MIN_VALUE, 99_999_999, 100_000_001};

    /** A resnet8 checkpoint: 23 F32 tensors and their momentum, 7 I64 batch counters, metadata. */
    private static byte[] checkpoint() {
        try {
            Path file = Files.createTempFile("resnet8", ".safetensors");
            ResNet model = ResNets.create("resnet8", IMAGE, 4);
            model.initialize(5);
            Checkpoint.save(file, model, 3, Map.of("epoch", "1"));
            byte[] bytes = Files.readAllBytes(file);
            Files.delete(file);
            return bytes;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        return Mutation.lists();
    }

    @Provide
    Arbitrary<byte[]> randomBytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(4096);
    }

    @Provide
    Arbitrary<Long> hostileNumbers() {
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(1, Arbitraries.longs()),
                net.jqwik.api.Tuple.of(2, Arbitraries.of(java.util.Arrays.stream(HOSTILE_NUMBERS).boxed().toList())));
    }

    /** Reads the bytes as a file, then loads the model it names, as eval and predict do. */
    private static Optional<Contents> load(byte[] bytes) throws IOException {
        Path file = Files.createTempFile("checkpoint", ".safetensors");
        try {
            Files.write(file, bytes);
            long limit = 4L * bytes.length + SLACK_BYTES;
            Optional<Contents> contents = CleanFailure.read(() -> SafeTensors.read(file),
                    SafeTensors.FormatException.class, file.toString(), limit);
            contents.ifPresent(c -> CleanFailure.read(() -> Checkpoint.restore(Checkpoint.model(c), c),
                    CheckpointException.class, file.toString(), limit + MODEL_BYTES));
            return contents;
        } finally {
            Files.delete(file);
        }
    }

    /** A resnet8's parameters, gradients and momentum, which loading builds whatever the file says. */
    private static final long MODEL_BYTES = 64L << 20;

    @Property(tries = TRIES)
    void survivesDamage(@ForAll("mutations") List<Mutation> mutations) throws IOException {
        load(Mutation.applyAll(mutations, CHECKPOINT));
    }

    @Property(tries = TRIES)
    void survivesRandomBytes(@ForAll("randomBytes") byte[] bytes) throws IOException {
        load(bytes);
    }

    @Property(tries = TRIES)
    void survivesHostileHeaderNumbers(@ForAll @IntRange(min = 0, max = 10_000) int which,
            @ForAll("hostileNumbers") long value) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(CHECKPOINT).order(ByteOrder.LITTLE_ENDIAN);
        int headerLength = (int) in.getLong(0);
        String header = new String(CHECKPOINT, 8, headerLength, StandardCharsets.UTF_8);
        List<int[]> numbers = new java.util.ArrayList<>();
        Matcher m = Pattern.compile("(?<![\"\\w])\\d+(?![\"\\w])").matcher(header);
        while (m.find()) {
            numbers.add(new int[] {m.start(), m.end()});
        }
        int[] at = numbers.get(which % numbers.size());
        String changed = header.substring(0, at[0]) + value + header.substring(at[1]);
        byte[] json = changed.getBytes(StandardCharsets.UTF_8);
        int data = 8 + headerLength;
        ByteBuffer out = ByteBuffer.allocate(8 + json.length + CHECKPOINT.length - data).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length).put(json).put(CHECKPOINT, data, CHECKPOINT.length - data);
        load(out.array());
    }

    @Property(tries = 20)
    void undamagedFilesLoadExactly(@ForAll @IntRange(min = 0, max = 1000) int seed) throws IOException {
        ResNet model = ResNets.create("resnet8", IMAGE, 4);
        model.initialize(seed);
        Path file = Files.createTempFile("checkpoint", ".safetensors");
        Checkpoint.save(file, model, seed, Map.of());
        Contents contents = load(Files.readAllBytes(file)).orElseThrow();
        Files.delete(file);
        LinkedHashMap<String, Entry> tensors = contents.tensors();
        model.stateDict().forEach((name, t) -> assertEquals(Entry.of(t), tensors.get(name), name));
    }
}
