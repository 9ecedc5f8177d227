package org.convlab.runtime;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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
    void thisJvmLoadedTheFastestBuildOnItsClassPath() {
        NativeSetup.init();
        org.nd4j.linalg.factory.Nd4j.create(1);
        // convlab-core carries one build, so its tests load it without any property being set.
        assertEquals(List.of("onednn-avx2"), NativeSetup.installedBuilds());
        assertNull(System.getProperty(NativeSetup.EXTENSION_PROPERTY), "the library sets no JVM-wide property");
        assertTrue(NativeSetup.loadedLibrary().contains("/linux-x86_64-onednn-avx2/"), NativeSetup.loadedLibrary());
    }

    @Test
    void theCommandLineAsksForTheBuildAndDl4jsHelpers() {
        assumeTrue(System.getenv(NativeSetup.BUILD_ENV) == null && System.getenv(Backend.ENV) == null,
                "CONVLAB_CPU_BUILD or CONVLAB_BACKEND chooses otherwise");
        assertEquals(Map.of(NativeSetup.CRASH_DUMP_PROPERTY, "false", NativeSetup.EXTENSION_PROPERTY, "-onednn-avx2",
                NativeSetup.HELPERS_DISABLE_PROPERTY, "false"), NativeSetup.commandLineProperties());
    }
}
