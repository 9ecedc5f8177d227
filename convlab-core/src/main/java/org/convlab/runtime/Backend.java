package org.convlab.runtime;

import org.convlab.BadSettingException;
import org.convlab.ConvLabException;
import org.convlab.Setting;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Where ND4J computes: {@code cpu}, {@code cuda} (an NVIDIA GPU, with the build made by
 * {@code mvn -Pcuda}) or {@code auto} (the GPU when this build has the CUDA backend and the
 * machine has an NVIDIA driver, else the CPU).
 *
 * <p>Chosen by the system property {@code convlab.backend} or the environment variable
 * {@code CONVLAB_BACKEND} (the launcher's {@code --backend} sets the property); default {@code auto}.
 */
public enum Backend {
    CPU,
    CUDA,
    AUTO;

    public static final String PROPERTY = "convlab.backend";
    public static final String ENV = "CONVLAB_BACKEND";
    /** A class of ND4J's CUDA backend; present only in the {@code -Pcuda} build. */
    static final String CUDA_BACKEND_CLASS = "org.nd4j.linalg.jcublas.JCublasBackend";

    public static Backend parse(String text) {
        for (Backend b : values()) {
            if (b.toString().equals(text.trim().toLowerCase(Locale.ROOT))) {
                return b;
            }
        }
        throw new ConvLabException("backend '" + text + "' is not known; use cpu, cuda or auto");
    }

    /** The backend asked for by {@value #PROPERTY} or {@value #ENV}; {@link #AUTO} when neither is set. */
    public static Backend requested() {
        String asked = System.getProperty(PROPERTY);
        if (asked == null || asked.isBlank()) {
            asked = System.getenv(ENV);
        }
        return asked == null || asked.isBlank() ? AUTO : parse(asked);
    }

    /**
     * {@link #resolve} on this machine; the driver is probed (which may run {@code ldconfig}) only
     * when the answer depends on it.
     */
    static Backend select(Backend requested) {
        boolean cudaBuild = cudaBuild();
        boolean driverMatters = requested == CUDA || (requested == AUTO && cudaBuild);
        return resolve(requested, cudaBuild, driverMatters && driverPresent());
    }

    /**
     * The backend to load for {@code requested}: CPU or CUDA, never AUTO. A CUDA request that
     * cannot be met (no CUDA backend in this build, no NVIDIA driver) is refused with the fix.
     */
    public static Backend resolve(Backend requested, boolean cudaBuild, boolean driverPresent) {
        return switch (requested) {
            case CPU -> CPU;
            case AUTO -> cudaBuild && driverPresent ? CUDA : CPU;
            case CUDA -> {
                if (!cudaBuild) {
                    throw new ConvLabException("backend cuda: this build has only the CPU backend; build it with 'mvn -Pcuda package'"
                            + " (scripts/convlab --backend cuda does that)");
                }
                if (!driverPresent) {
                    throw new BadSettingException(Setting.BACKEND, "%s cuda: no usable NVIDIA GPU driver on this machine (it needs "
                            + DRIVER_FILE + " or " + DEVICE_FILE + ", and the driver's library " + DRIVER_LIBRARY
                            + "); install the driver or use %s cpu");
                }
                yield CUDA;
            }
        };
    }

    /** Present when the NVIDIA kernel driver is loaded (and, in a container, passed in). */
    static final Path DRIVER_FILE = Path.of("/proc/driver/nvidia/version");
    static final Path DEVICE_FILE = Path.of("/dev/nvidiactl");

    /** The driver's user-space library, which CUDA's runtime loads. */
    static final String DRIVER_LIBRARY = "libcuda.so.1";

    static boolean driverPresent() {
        return (Files.isReadable(DRIVER_FILE) || Files.exists(DEVICE_FILE)) && driverLibraryInstalled();
    }

    /** Whether the dynamic linker knows libcuda.so.1 (ldconfig's cache, or a folder on LD_LIBRARY_PATH). */
    static boolean driverLibraryInstalled() {
        String path = System.getenv("LD_LIBRARY_PATH");
        if (path != null && java.util.Arrays.stream(path.split(":")).anyMatch(d -> !d.isEmpty() && Files.exists(Path.of(d, DRIVER_LIBRARY)))) {
            return true;
        }
        try {
            Process p = new ProcessBuilder("ldconfig", "-p").redirectErrorStream(true).start();
            String cache = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            p.waitFor();
            return cache.contains(DRIVER_LIBRARY);
        } catch (java.io.IOException e) {
            // no ldconfig: look where distributions put it
            return Files.exists(Path.of("/usr/lib/x86_64-linux-gnu", DRIVER_LIBRARY)) || Files.exists(Path.of("/usr/lib64", DRIVER_LIBRARY));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    static boolean cudaBuild() {
        try {
            Class.forName(CUDA_BACKEND_CLASS, false, Backend.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
