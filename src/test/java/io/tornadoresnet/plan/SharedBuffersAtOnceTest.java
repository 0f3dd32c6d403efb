package io.tornadoresnet.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What the tensors hold at once, beside what their whole buffers take. */
class SharedBuffersAtOnceTest {

    @Test
    void aBufferAsLargeAsItsLargestTensorIsPartlyIdleWhileSmallerOnesUseIt() {
        Tensor x = Tensor.unallocated("x", Shape.of(16));
        Tensor y = Tensor.unallocated("y", Shape.of(16));
        Tensor x2 = Tensor.unallocated("x2", Shape.of(4));
        Tensor y2 = Tensor.unallocated("y2", Shape.of(4));
        Tensor a = Tensor.unallocated("a", Shape.of(16));
        Tensor p = Tensor.unallocated("p", Shape.of(4));
        Tensor q = Tensor.unallocated("q", Shape.of(4));
        // a lives at ops 0-1 alone; p (2-4) and q (3-4) later, together: 16 floats at once at most, but q
        // needs a buffer of its own beside the one a and then p use. One op per stage: none may be delayed.
        List<Op> ops = List.of(new Op.Relu(x, a), new Op.Relu(a, y), new Op.Relu(x2, p), new Op.Relu(x2, q),
                new Op.Add(p, q, y2));
        List<Stage> stages = ops.stream().map(op -> new Stage("op", List.of(op))).toList();
        SharedBuffers buffers = SharedBuffers.plan(stages, List.of(x, y, x2, y2, a, p, q), Set.of(x, y, x2, y2));

        long pinned = 16 + 16 + 4 + 4;
        assertEquals((pinned + 16 + 4) * Float.BYTES, buffers.bytes());
        assertEquals((pinned + 16) * Float.BYTES, buffers.bytesAtOnce());
    }

    @Test
    void aTensorIsInUseFromTheOpThatWritesItToTheLastThatReadsIt() {
        Tensor x = Tensor.unallocated("x", Shape.of(8));
        Tensor y = Tensor.unallocated("y", Shape.of(8));
        Tensor a = Tensor.unallocated("a", Shape.of(8));
        Tensor b = Tensor.unallocated("b", Shape.of(8));
        // a at ops 0-1, b at 1-2: both at op 1, where b is written from a.
        List<Stage> stages = List.of(new Stage("0", List.of(new Op.Relu(x, a))),
                new Stage("1", List.of(new Op.Relu(a, b))), new Stage("2", List.of(new Op.Relu(b, y))));
        SharedBuffers buffers = SharedBuffers.plan(stages, List.of(x, y, a, b), Set.of(x, y));

        assertEquals(4 * 8 * Float.BYTES, buffers.bytesAtOnce());
        assertEquals(buffers.bytes(), buffers.bytesAtOnce());
    }
}
