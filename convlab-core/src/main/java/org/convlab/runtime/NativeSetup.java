package org.convlab.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.bytedeco.javacpp.Loader;
import org.convlab.BadSettingException;
import org.convlab.Setting;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The native side before ND4J loads: the backend, the convolution engine, and which ND4J build to load.
 *
 * <p>{@link #init()} checks the backend ({@link Backend}) and the engine once and sets nothing JVM-wide:
 * in a service, the host decides. JavaCPP loads the ND4J build the class path carries ({@code convlab-core}
 * brings one), or, where it carries several, the one named by {@value #EXTENSION_PROPERTY}, else the
 * first of its preset's list.
 *
 * <p>The command line carries every build (generic, oneDNN for x86-64, AVX2 and AVX-512) and sets
 * {@link #commandLineProperties()} before ND4J loads: the fastest build on the class path that the CPU's
 * flags allow, or {@code CONVLAB_CPU_BUILD}'s ({@code onednn-avx512}, {@code onednn-avx2}, {@code onednn}
 * or {@code plain}); DL4J's own oneDNN layer helpers on for a oneDNN build (DL4J M2.1 disables them unless
 * {@value #HELPERS_DISABLE_PROPERTY} is {@code false}; they serve the {@code dl4j} engine, see
 * {@link org.nd4j.nativeblas.Nd4jCpu}); no crash dump files. With the CUDA backend the build is
 * {@code nd4j-cuda}'s {@code linux-x86_64-cudnn}, and DL4J's helpers stay off: DL4J M2.1 has no cuDNN
 * layer helpers, its layers run on cuBLAS through ND4J.
 *
 * <p>Call {@link #init()} before the first use of ND4J; every ConvLab entry point does.
 */
public final class NativeSetup {
    public static final String EXTENSION_PROPERTY = "org.bytedeco.javacpp.platform.extension";
    public static final String HELPERS_DISABLE_PROPERTY = "org.eclipse.deeplearning4j.helpers.disable";
    public static final String BUILD_ENV = "CONVLAB_CPU_BUILD";
    public static final String CRASH_DUMP_PROPERTY = "org.deeplearning4j.crash.reporting.enabled";

    private static final Logger LOG = LoggerFactory.getLogger(NativeSetup.class);
    private static final Set<String> AVX512_FLAGS = Set.of("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl");
    private static final List<String> BUILDS_FASTEST_FIRST = List.of("onednn-avx512", "onednn-avx2", "onednn", "plain");
    private static final Set<String> KNOWN_BUILDS = Set.copyOf(BUILDS_FASTEST_FIRST);

    private static volatile boolean initialized;
    private static volatile Backend backend = Backend.CPU;

    private NativeSetup() {
    }

    /** Checks the backend and the convolution engine once; later calls do nothing. Sets no JVM-wide property. */
    public static synchronized void init() {
        if (initialized) {
            return;
        }
        backend = Backend.select(Backend.requested());
        // A bad CONVLAB_CONV or CONVLAB_PRECISION is refused here, before any work, not when the first graph is built
        // or loaded (where it would read as a damaged model).
        ConvEngine.requested();
        Precision.requested();
        ConvAlgorithm.requested();
        if (backend == Backend.CUDA) {
            initCuda();
        }
        initialized = true; // only once a GPU asked for proved usable: a refusal repeats on the next call
        LOG.debug("ND4J native build extension '{}', DL4J helpers disabled: {}", System.getProperty(EXTENSION_PROPERTY, "(none)"),
                System.getProperty(HELPERS_DISABLE_PROPERTY, "true (DL4J default)"));
    }

    /**
     * The JVM properties the command line sets before ND4J loads, for the backend asked for: the ND4J build
     * ({@value #EXTENSION_PROPERTY}), DL4J's oneDNN helpers on for a oneDNN build, and no crash dump files
     * (DL4J writes one into the working folder on out-of-memory; the command line says it in one line).
     * A library leaves these to its host.
     */
    public static Map<String, String> commandLineProperties() {
        Map<String, String> properties = new java.util.LinkedHashMap<>();
        properties.put(CRASH_DUMP_PROPERTY, "false");
        if (Backend.select(Backend.requested()) == Backend.CUDA) {
            properties.put(EXTENSION_PROPERTY, "-cudnn");
            return properties;
        }
        String build = requestedBuild();
        // An empty extension, not an absent one: without the property JavaCPP tries the preset's own
        // list of extensions (the oneDNN builds first), so "plain" would load a oneDNN build.
        properties.put(EXTENSION_PROPERTY, build.equals("plain") ? "" : "-" + build);
        if (build.startsWith("onednn")) {
            properties.put(HELPERS_DISABLE_PROPERTY, "false");
        }
        return properties;
    }

    /** The backend {@link #init()} chose: CPU or CUDA. */
    public static Backend backend() {
        return backend;
    }

    private static void initCuda() {
        // Load ND4J now so that a GPU that cannot be used is one clear message, not a later stack trace.
        String loaded = org.nd4j.linalg.factory.Nd4j.getBackend().getClass().getName();
        if (!loaded.equals(Backend.CUDA_BACKEND_CLASS)) {
            throw new BadSettingException(Setting.BACKEND, "%s cuda: ND4J's CUDA backend did not start (it loaded " + loaded
                    + "); check 'nvidia-smi' and that the driver supports CUDA 11.6, or use %s cpu");
        }
        Map<?, ?> gpu = GpuInfo.firstDevice(org.nd4j.linalg.factory.Nd4j.getExecutioner().getEnvironmentInformation());
        if (gpu != null && gpu.get("cuda.deviceMajor") instanceof Number major && gpu.get("cuda.deviceMinor") instanceof Number minor
                && !CudaKernels.runOn(major.intValue(), minor.intValue())) {
            throw new BadSettingException(Setting.BACKEND, "%s cuda: " + BadSettingException.literal(gpu.get("cuda.deviceName"))
                    + " has compute capability " + major + "." + minor + ", and ND4J " + BuildInfo.dl4jVersion()
                    + "'s CUDA kernels are built for " + CudaKernels.compiled() + " only (no PTX to compile for newer GPUs); use %s cpu");
        }
    }

    /** The build asked for by {@code CONVLAB_CPU_BUILD}, or the best one this CPU runs of those on the class path. */
    public static String requestedBuild() {
        String asked = System.getenv(BUILD_ENV);
        if (asked != null && !asked.isBlank()) {
            String build = asked.trim().toLowerCase(Locale.ROOT);
            if (!KNOWN_BUILDS.contains(build)) {
                throw new org.convlab.ConvLabException(BUILD_ENV + "=" + asked + " is not a known build; use one of "
                        + String.join(", ", KNOWN_BUILDS.stream().sorted().toList()));
            }
            if (!onClassPath(build)) {
                throw new org.convlab.ConvLabException(BUILD_ENV + "=" + asked + ": that ND4J build is not on the class path; "
                        + "add org.nd4j:nd4j-native:" + classifier(build) + " or use one of " + String.join(", ", installedBuilds()));
            }
            return build;
        }
        return bestBuildFor(cpuFlags(), installedBuilds());
    }

    /** The fastest oneDNN build of {@code installed} whose instructions the CPU has (the first installed where none fits). */
    static String bestBuildFor(Set<String> flags, List<String> installed) {
        List<String> runnable = new ArrayList<>();
        if (flags.containsAll(AVX512_FLAGS)) {
            runnable.add("onednn-avx512");
        }
        if (flags.contains("avx2") && flags.contains("fma")) {
            runnable.add("onednn-avx2");
        }
        runnable.add("onednn");
        runnable.add("plain");
        return runnable.stream().filter(installed::contains).findFirst()
                .orElse(installed.isEmpty() ? "onednn" : installed.get(0));
    }

    /** The ND4J CPU builds on the class path, fastest first: the command line carries all, a service usually one. */
    static List<String> installedBuilds() {
        return BUILDS_FASTEST_FIRST.stream().filter(NativeSetup::onClassPath).toList();
    }

    private static boolean onClassPath(String build) {
        return NativeSetup.class.getClassLoader()
                .getResource("org/nd4j/linalg/cpu/nativecpu/bindings/" + classifier(build) + "/") != null;
    }

    private static String classifier(String build) {
        return build.equals("plain") ? "linux-x86_64" : "linux-x86_64-" + build;
    }

    /** The CPU's feature flags from {@code /proc/cpuinfo}; empty where it cannot be read. */
    public static Set<String> cpuFlags() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(line -> line.startsWith("flags"))
                    .findFirst()
                    .map(line -> Arrays.stream(line.substring(line.indexOf(':') + 1).trim().split("\\s+"))
                            .collect(Collectors.toUnmodifiableSet()))
                    .orElse(Set.of());
        } catch (IOException | RuntimeException e) {
            return Set.of();
        }
    }

    /** The path of the loaded ND4J native library, or an empty string before ND4J has loaded. */
    public static String loadedLibrary() {
        Map<String, String> loaded = Loader.getLoadedLibraries();
        return loaded.entrySet().stream()
                .filter(e -> e.getKey().contains("jnind4j") || e.getKey().contains("nd4jcpu") || e.getKey().contains("nd4jcuda"))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse("");
    }

    /** True when the ND4J library that loaded is one of the oneDNN builds. */
    public static boolean oneDnnBuildLoaded() {
        return loadedLibrary().contains("-onednn");
    }

    /**
     * Whether DL4J's own oneDNN layer helpers can run: a oneDNN build loaded and libnd4j using it.
     * (The build flag alone is not enough: libnd4j reports oneDNN on every build.)
     */
    public static boolean dl4jOneDnnUsable() {
        return oneDnnBuildLoaded() && org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.Environment.getInstance().isUseONEDNN();
    }
}
