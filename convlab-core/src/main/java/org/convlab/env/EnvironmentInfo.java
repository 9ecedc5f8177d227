package org.convlab.env;

import org.convlab.runtime.BuildInfo;
import org.convlab.runtime.ConvEngine;
import org.convlab.runtime.Precision;
import org.convlab.runtime.GpuInfo;
import org.convlab.runtime.NativeSetup;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * What a run ran on: Java, DL4J, the ND4J backend and native build (and whether oneDNN helpers
 * run), the CPU and its vector features, threads, memory limits, and the GPU where there is one.
 * {@code convlab env} prints it; every training run stores it in the model card and every
 * benchmark prints it.
 */
public final class EnvironmentInfo {
    private EnvironmentInfo() {
    }

    public static Map<String, String> describe() {
        NativeSetup.init();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
        env.put("dl4j", BuildInfo.dl4jVersion());
        Properties nd4j = Nd4j.getExecutioner().getEnvironmentInformation();
        env.put("backend", String.valueOf(nd4j.getProperty("backend")));
        String lib = NativeSetup.loadedLibrary();
        env.put("nd4j_build", lib.isEmpty() ? "unknown" : Path.of(lib).getParent().getFileName().toString());
        env.put("onednn_helpers", String.valueOf(NativeSetup.oneDnnBuildLoaded()
                && "false".equals(System.getProperty(NativeSetup.HELPERS_DISABLE_PROPERTY))));
        env.put("conv_engine", ConvEngine.describeActive());
        env.put("precision", Precision.active().label());
        env.put("conv_algorithm", org.convlab.runtime.ConvAlgorithm.requested().label());
        env.put("cpu", cpuModel());
        env.put("cpu_features", String.join(" ", vectorFeatures(NativeSetup.cpuFlags())));
        env.put("cores", String.valueOf(Runtime.getRuntime().availableProcessors()));
        // ND4J stores numbers here, which Properties.getProperty would not return.
        env.put("omp_threads", String.valueOf(nd4j.getOrDefault("omp.threads", "?")));
        env.put("blas", nd4j.getOrDefault("blas.vendor", "?") + ", " + nd4j.getOrDefault("blas.threads", "?") + " thread(s)");
        env.put("heap_max_mb", String.valueOf(Runtime.getRuntime().maxMemory() >> 20));
        env.put("offheap_max_mb", String.valueOf(org.bytedeco.javacpp.Pointer.maxBytes() >> 20));
        env.putAll(GpuInfo.describe(nd4j));
        return env;
    }

    /** The flags that decide which native build and kernels can run, in a fixed order. */
    static java.util.List<String> vectorFeatures(java.util.Set<String> flags) {
        return java.util.stream.Stream.of("sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl",
                "avx512_vnni", "avx512_bf16", "amx_bf16").filter(flags::contains).toList();
    }

    static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
