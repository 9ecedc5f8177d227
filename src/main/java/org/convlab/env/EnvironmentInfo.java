package org.convlab.env;

import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** What a run ran on: Java, DL4J, the ND4J backend and native build, the CPU, threads, memory limits. */
public final class EnvironmentInfo {
    private EnvironmentInfo() {
    }

    public static Map<String, String> describe() {
        NativeSetup.init();
        Map<String, String> env = new LinkedHashMap<>();
        env.put("java", System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
        env.put("dl4j", dl4jVersion());
        Properties nd4j = Nd4j.getExecutioner().getEnvironmentInformation();
        env.put("backend", String.valueOf(nd4j.getProperty("backend")));
        String lib = NativeSetup.loadedLibrary();
        env.put("nd4j_build", lib.isEmpty() ? "unknown" : Path.of(lib).getParent().getFileName().toString());
        env.put("onednn_helpers", String.valueOf(NativeSetup.oneDnnBuildLoaded()
                && "false".equals(System.getProperty(NativeSetup.HELPERS_DISABLE_PROPERTY))));
        env.put("cpu", cpuModel());
        env.put("cores", String.valueOf(Runtime.getRuntime().availableProcessors()));
        env.put("omp_threads", String.valueOf(nd4j.getProperty("omp.threads", "?")));
        env.put("heap_max_mb", String.valueOf(Runtime.getRuntime().maxMemory() >> 20));
        env.put("offheap_max_mb", String.valueOf(org.bytedeco.javacpp.Pointer.maxBytes() >> 20));
        env.put("physical_max_mb", String.valueOf(org.bytedeco.javacpp.Pointer.maxPhysicalBytes() >> 20));
        return env;
    }

    static String dl4jVersion() {
        Properties p = new Properties();
        try (var in = EnvironmentInfo.class.getResourceAsStream("/org/convlab/version.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException ignored) {
            // unknown version
        }
        return p.getProperty("dl4j.version", "unknown");
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
