package org.convlab.runtime.dnnl;

import org.convlab.runtime.ConvEngine;
import org.convlab.runtime.NativeSetup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * For tests of ConvLab's oneDNN helpers. They skip, saying why on stderr, only where the user
 * asked for another engine or build; anywhere else oneDNN must be active, or the test fails.
 */
public final class OneDnn {
    private OneDnn() {
    }

    public static void require() {
        String reason = null;
        if (System.getProperty(ConvEngine.PROPERTY, System.getenv(ConvEngine.ENV) == null ? "" : System.getenv(ConvEngine.ENV))
                .trim().equalsIgnoreCase("dl4j")) {
            reason = ConvEngine.ENV + "=dl4j asks for DL4J's convolutions";
        } else if ("plain".equals(System.getenv(NativeSetup.BUILD_ENV))) {
            reason = NativeSetup.BUILD_ENV + "=plain asks for a build without oneDNN";
        } else if (NativeSetup.backend() != org.convlab.runtime.Backend.CPU) {
            reason = "the " + NativeSetup.backend() + " backend runs DL4J's own layers";
        }
        if (reason != null) {
            System.err.println("skipped a oneDNN helper test: " + reason);
            assumeTrue(false, reason);
        }
        assertEquals(ConvEngine.DNNL, ConvEngine.active(), "oneDNN did not load on a CPU build that should have it");
    }

    /** As {@link #require()}, and skips, saying why, where the CPU has no native bf16 (AVX2-only machines). */
    static void requireBf16() {
        require();
        skipUnless(Dnnl.nativeBf16(), "this CPU lacks AVX512_BF16 (lscpu flag avx512_bf16)");
    }

    /** As {@link #require()}, and skips, saying why, where the CPU has no VNNI. */
    static void requireInt8() {
        require();
        skipUnless(Dnnl.nativeInt8(), "this CPU lacks VNNI (lscpu flag avx512_vnni or avx_vnni)");
    }

    private static void skipUnless(boolean has, String lack) {
        if (!has) {
            System.err.println("skipped a oneDNN helper test: " + lack);
            assumeTrue(false, lack);
        }
    }
}
