package org.convlab.runtime;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NativeSetupTest {

    private static final List<String> ALL = List.of("onednn-avx512", "onednn-avx2", "onednn", "plain");
    private static final Set<String> AVX512 = Set.of("sse4_2", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq",
            "avx512vl");

    @Test
    void picksTheWidestBuildTheCpuRuns() {
        assertEquals("onednn-avx512", NativeSetup.bestBuildFor(AVX512, ALL));
        // avx512f alone (Xeon Phi) lacks the BW/DQ/VL subsets the AVX-512 build is compiled for.
        assertEquals("onednn-avx2", NativeSetup.bestBuildFor(Set.of("avx2", "fma", "avx512f"), ALL));
        assertEquals("onednn", NativeSetup.bestBuildFor(Set.of("sse4_2", "avx"), ALL));
        assertEquals("onednn", NativeSetup.bestBuildFor(Set.of(), ALL));
    }

    @Test
    void picksOnlyAmongTheBuildsOnTheClassPath() {
        // A service carries one build: an AVX-512 CPU runs the AVX2 build it has rather than fail on the one it lacks.
        assertEquals("onednn-avx2", NativeSetup.bestBuildFor(AVX512, List.of("onednn-avx2")));
        assertEquals("onednn", NativeSetup.bestBuildFor(AVX512, List.of("onednn", "plain")));
        assertEquals("plain", NativeSetup.bestBuildFor(Set.of("avx2", "fma"), List.of("onednn-avx512", "plain")));
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
