package org.convlab.runtime;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CudaKernelsTest {

    @Test
    void machineCodeRunsOnlyOnItsMajorVersionAtTheSameOrANewerMinor() {
        assertTrue(CudaKernels.runOn(8, 0));   // A100: sm_80 itself
        assertTrue(CudaKernels.runOn(8, 9));   // RTX 4090 / L4: runs the sm_86 code
        assertTrue(CudaKernels.runOn(7, 5));   // T4
        assertTrue(CudaKernels.runOn(3, 7));   // K80, the oldest built
        assertFalse(CudaKernels.runOn(3, 5));  // K40: older than sm_37
        assertFalse(CudaKernels.runOn(9, 0));  // H100 / H200: no sm_90 code and no PTX
        assertFalse(CudaKernels.runOn(10, 0)); // Blackwell
    }
}
