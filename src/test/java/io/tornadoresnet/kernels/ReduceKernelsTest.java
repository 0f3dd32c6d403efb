package io.tornadoresnet.kernels;

import org.junit.jupiter.api.Test;

class ReduceKernelsTest {

    @Test
    void sumGroupsAddsTheRowsColumnByColumn() {
        float[] partial = {
            1, 2, 3,
            10, 20, 30,
            100, 200, 300,
        };
        float[] out = Support.poisoned(3);
        ReduceKernels.sumGroups(partial, out, 3, 3);
        Support.assertExactly(new float[] {111, 222, 333}, out, "three groups");
        ReduceKernels.sumGroups(partial, out, 1, 3);
        Support.assertExactly(new float[] {1, 2, 3}, out, "one group overwrites");
        ReduceKernels.sumGroups(partial, out, 2, 3);
        Support.assertExactly(new float[] {11, 22, 33}, out, "two groups");
    }
}
