package io.tornadoresnet.backend.jvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.tornadoresnet.kernels.ActivationKernels;
import io.tornadoresnet.kernels.ElementwiseKernels;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ElementwiseRoutineTest {

    @ParameterizedTest(name = "workers={0} size={1}")
    @CsvSource({"1, 1", "2, 7", "2, 49157", "3, 16384", "3, 100000"})
    void matchesTheKernelsExactly(int workers, int size) {
        Random random = new Random(size);
        float[] x = ConvRoutineTest.uniform(random, size);
        float[] other = ConvRoutineTest.uniform(random, size);
        x[0] = Float.NaN;
        if (size > 2) {
            x[1] = -0f;
            x[2] = 0f;
        }
        try (WorkerPool pool = new WorkerPool(workers)) {
            ElementwiseRoutine routine = new ElementwiseRoutine();

            float[] expected = new float[size];
            float[] actual = ConvRoutineTest.poisoned(size);
            ActivationKernels.reluForward(x, expected, size);
            routine.reluForward(x, actual, size, pool);
            assertArrayEquals(expected, actual, "reluForward");

            ActivationKernels.reluBackward(x, other, expected, size);
            actual = ConvRoutineTest.poisoned(size);
            routine.reluBackward(x, other, actual, size, pool);
            assertArrayEquals(expected, actual, "reluBackward");

            ElementwiseKernels.add(x, other, expected, size);
            actual = x.clone();
            routine.add(actual, other, actual, size, pool);
            assertArrayEquals(expected, actual, "add in place");
        }
    }
}
