package org.convlab.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * The GPU side of {@code convlab env}: what ND4J's CUDA backend reports when it runs, and
 * otherwise what {@code nvidia-smi} says (a GPU that is there but not used), or nothing.
 */
public final class GpuInfo {
    private GpuInfo() {
    }

    public static Map<String, String> describe(Properties nd4j) {
        Map<String, String> gpu = new LinkedHashMap<>();
        if (NativeSetup.backend() == Backend.CUDA) {
            // JavaCPP's version string: CUDA-cuDNN-JavaCPP, e.g. 11.6-8.3-1.5.7.
            gpu.put("cuda_cudnn", BuildInfo.property("cuda.version"));
            Object count = nd4j.get("cuda.availableDevices");
            if (count != null) {
                gpu.put("gpu_count", String.valueOf(count));
            }
            Map<?, ?> first = firstDevice(nd4j);
            if (first != null) {
                gpu.put("gpu", String.valueOf(first.get("cuda.deviceName")));
                Object total = first.get("cuda.totalMemory");
                if (total instanceof Number n) {
                    gpu.put("gpu_memory_mb", String.valueOf(n.longValue() >> 20));
                }
                gpu.put("gpu_compute_capability", first.get("cuda.deviceMajor") + "." + first.get("cuda.deviceMinor"));
            }
        }
        String smi = nvidiaSmi();
        if (!smi.isEmpty()) {
            String[] parts = smi.split(",\\s*");
            gpu.putIfAbsent("gpu", parts[0] + (NativeSetup.backend() == Backend.CUDA ? "" : " (present, not used: CPU backend)"));
            if (parts.length > 1) {
                gpu.putIfAbsent("gpu_memory_mb", parts[1].replaceAll("[^0-9]", ""));
            }
            if (parts.length > 2) {
                gpu.put("nvidia_driver", parts[2]);
            }
        }
        return gpu;
    }

    /**
     * The first GPU as ND4J's CUDA executioner describes it (keys {@code cuda.deviceName},
     * {@code cuda.totalMemory}, {@code cuda.deviceMajor}, {@code cuda.deviceMinor}), or null.
     */
    static Map<?, ?> firstDevice(Properties nd4j) {
        Object devices = nd4j.get("cuda.devicesInformation");
        return devices instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof Map<?, ?> first ? first : null;
    }

    /** "name, memory, driver" of the first GPU, or "" where nvidia-smi is absent or fails. */
    static String nvidiaSmi() {
        try {
            Process p = new ProcessBuilder("nvidia-smi", "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader")
                    .redirectErrorStream(true).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "";
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            return p.exitValue() == 0 && !out.isEmpty() ? out.lines().findFirst().orElse("") : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
