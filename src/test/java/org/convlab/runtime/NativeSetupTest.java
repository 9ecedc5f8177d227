package org.convlab.runtime;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NativeSetupTest {

    @Test
    void picksTheWidestBuildTheCpuRuns() {
        assertEquals("onednn-avx512", NativeSetup.bestBuildFor(
                Set.of("sse4_2", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl")));
        // avx512f alone (Xeon Phi) lacks the BW/DQ/VL subsets the AVX-512 build is compiled for.
        assertEquals("onednn-avx2", NativeSetup.bestBuildFor(Set.of("avx2", "fma", "avx512f")));
        assertEquals("onednn", NativeSetup.bestBuildFor(Set.of("sse4_2", "avx")));
        assertEquals("onednn", NativeSetup.bestBuildFor(Set.of()));
    }

    @Test
    void thisJvmLoadedTheBuildItAskedFor() {
        NativeSetup.init();
        org.nd4j.linalg.factory.Nd4j.create(1);
        // Always set on the CPU backend, empty for the plain build (see NativeSetup.init).
        String extension = System.getProperty(NativeSetup.EXTENSION_PROPERTY);
        assertEquals(true, NativeSetup.loadedLibrary().contains("linux-x86_64" + extension + "/"), NativeSetup.loadedLibrary());
    }
}
