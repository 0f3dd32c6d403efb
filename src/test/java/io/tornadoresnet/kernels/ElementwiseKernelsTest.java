package io.tornadoresnet.kernels;

import static io.tornadoresnet.kernels.Support.assertExactly;

import org.junit.jupiter.api.Test;

class ElementwiseKernelsTest {

    @Test
    void addAndAddInPlace() {
        float[] a = {1, 2, 3, -4};
        float[] b = {10, 20, 30, 4};
        float[] out = Support.poisoned(4);
        ElementwiseKernels.add(a, b, out, 4);
        assertExactly(new float[] {11, 22, 33, 0}, out, "out");
        ElementwiseKernels.add(a, b, a, 4); // the residual join writes into one of its inputs
        assertExactly(new float[] {11, 22, 33, 0}, a, "a += b");
    }
}
