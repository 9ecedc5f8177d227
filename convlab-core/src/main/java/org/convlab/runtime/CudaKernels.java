package org.convlab.runtime;

import java.util.List;

/**
 * Which GPUs ND4J 1.0.0-M2.1's CUDA 11.6 library has kernels for. {@code scripts/cuda-archs}
 * lists what the library holds: machine code (SASS) for sm_37, 50, 52, 60, 61, 70, 75, 80 and 86,
 * and no PTX, so nothing can be JIT-compiled for a newer GPU. SASS built for X.y runs on X.z with
 * z >= y only; an H100 or H200 (9.0) therefore has no kernels and is refused up front.
 */
public final class CudaKernels {
    /** Compute capabilities with SASS in libnd4jcuda.so, as {major, minor}. */
    static final List<int[]> SASS = List.of(new int[]{3, 7}, new int[]{5, 0}, new int[]{5, 2}, new int[]{6, 0},
            new int[]{6, 1}, new int[]{7, 0}, new int[]{7, 5}, new int[]{8, 0}, new int[]{8, 6});

    private CudaKernels() {
    }

    /** True when some SASS in the library runs on a GPU of compute capability {@code major.minor}. */
    public static boolean runOn(int major, int minor) {
        return SASS.stream().anyMatch(sm -> sm[0] == major && sm[1] <= minor);
    }

    /** The compiled architectures, e.g. "3.7, 5.0, ..., 8.6", for messages. */
    static String compiled() {
        return String.join(", ", SASS.stream().map(sm -> sm[0] + "." + sm[1]).toList());
    }
}
