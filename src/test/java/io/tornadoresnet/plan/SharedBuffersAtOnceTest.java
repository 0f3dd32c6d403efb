package io.tornadoresnet.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the tensors hold at once, beside what their whole buffers take. */
class SharedBuffersAtOnceTest {

    private static Tensor floats(String name, int size) {
        return Tensor.unallocated(name, Shape.of(size));
    }

    /** One op per stage: no op may be delayed to the next, so each tensor lives from its first op to its last. */
    private static List<Stage> oneOpPerStage(Op... ops) {
        return Arrays.stream(ops).map(op -> new Stage("op", List.of(op))).toList();
    }

    @Test
    void aBufferAsLargeAsItsLargestTensorIsPartlyIdleWhileSmallerOnesUseIt() {
        Tensor x = floats("x", 16);
        Tensor y = floats("y", 16);
        Tensor x2 = floats("x2", 4);
        Tensor y2 = floats("y2", 4);
        Tensor a = floats("a", 16);
        Tensor p = floats("p", 4);
        Tensor q = floats("q", 4);
        // a lives at ops 0-1 alone; p (2-4) and q (3-4) later, together: 16 floats at once at most, but q
        // needs a buffer of its own beside the one a and then p use.
        SharedBuffers buffers = SharedBuffers.plan(oneOpPerStage(new Op.Relu(x, a), new Op.Relu(a, y),
                        new Op.Relu(x2, p), new Op.Relu(x2, q), new Op.Add(p, q, y2)),
                List.of(x, y, x2, y2, a, p, q), Set.of(x, y, x2, y2));

        long pinned = 16 + 16 + 4 + 4;
        assertEquals((pinned + 16 + 4) * Float.BYTES, buffers.bytes());
        assertEquals((pinned + 16) * Float.BYTES, buffers.bytesAtOnce());
    }

    @Test
    void aTensorIsInUseFromTheOpThatWritesItToTheLastThatReadsIt() {
        // x -> a -> b -> y, 8 floats each: a at ops 0-1, b at 1-2, both at op 1, where b is written from a.
        Tensor x = floats("x", 8), a = floats("a", 8), b = floats("b", 8), y = floats("y", 8);
        SharedBuffers buffers = SharedBuffers.plan(oneOpPerStage(new Op.Relu(x, a), new Op.Relu(a, b),
                new Op.Relu(b, y)), List.of(x, y, a, b), Set.of(x, y));

        assertEquals(4 * 8 * Float.BYTES, buffers.bytesAtOnce());
        assertEquals(buffers.bytes(), buffers.bytesAtOnce());
    }
}
