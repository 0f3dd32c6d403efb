package io.tornadoresnet.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.tornadoresnet.kernels.PoolKernels;
import io.tornadoresnet.plan.Op;
import io.tornadoresnet.plan.PoolGeometry;
import io.tornadoresnet.tensor.Shape;
import io.tornadoresnet.tensor.Tensor;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Max pooling's routines against PoolKernels, to the bit: ties, NaN, minus infinity, windows clipped. */
class MaxPoolingTest {

    @ParameterizedTest(name = "n={0} c={1} {2}x{3} size {4} stride {5} pad {6}, workers {7}")
    @CsvSource({"2, 3, 9, 11, 3, 2, 1, 2", "1, 5, 8, 8, 2, 2, 0, 3", "3, 2, 7, 5, 3, 1, 1, 1", "2, 4, 12, 12, 3, 2, 1, 2"})
    void matchesTheKernelsToTheBit(int n, int c, int h, int w, int size, int stride, int pad, int workers) {
        PoolGeometry g = new PoolGeometry(n, c, h, w, size, stride, pad);
        Random random = new Random(h * 7 + w);
        Tensor in = new Tensor("in", Shape.of(n, c, h, w));
        for (int i = 0; i < in.size(); i++) {
            // few distinct values, so that windows hold ties; a NaN and minus infinities here and there
            in.data()[i] = random.nextInt(40) == 0 ? Float.NaN : random.nextInt(40) == 0 ? Float.NEGATIVE_INFINITY
                    : random.nextInt(5);
        }
        Tensor gradOut = new Tensor("grad_out", Shape.of(n, c, g.oh(), g.ow()));
        for (int i = 0; i < gradOut.size(); i++) {
            gradOut.data()[i] = random.nextFloat() * 2 - 1;
        }
        float[] out = new float[gradOut.size()];
        int[] argmax = new int[gradOut.size()];
        float[] gradIn = new float[in.size()];
        PoolKernels.maxForward(in.data(), out, argmax, n, c, h, w, g.oh(), g.ow(), size, stride, pad);
        PoolKernels.maxBackward(gradOut.data(), argmax, gradIn, n, c, h, w, g.oh(), g.ow(), size, stride, pad);

        Tensor actualOut = new Tensor("out", Shape.of(n, c, g.oh(), g.ow()));
        Arrays.fill(actualOut.data(), 7f);
        int[] actualArgmax = new int[argmax.length];
        Arrays.fill(actualArgmax, -1);
        Tensor actualGradIn = new Tensor("grad_in", Shape.of(n, c, h, w));
        Arrays.fill(actualGradIn.data(), Float.NaN);
        try (WorkerPool pool = new WorkerPool(workers)) {
            MaxPooling.forward(new Op.MaxPool(in, actualOut, actualArgmax, g), pool).run();
            MaxPooling.backward(new Op.MaxPoolBackward(gradOut, actualArgmax, actualGradIn, g), pool).run();
        }
        assertArrayEquals(out, actualOut.data());
        assertArrayEquals(argmax, actualArgmax);
        assertArrayEquals(gradIn, actualGradIn.data());
    }
}
