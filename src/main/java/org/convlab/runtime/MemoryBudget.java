package org.convlab.runtime;

import org.convlab.ConvLabException;
import org.bytedeco.javacpp.Pointer;

import java.lang.management.ManagementFactory;

/**
 * Checks, before anything is allocated, that an estimated amount of native memory fits what this
 * process may use: JavaCPP's off-heap limit ({@code -Dorg.bytedeco.javacpp.maxbytes}, which the
 * launcher sets from the machine) and the machine's memory. ND4J allocating past them does not
 * fail cleanly: it can kill the JVM inside {@code allocateDataBuffer}.
 */
public final class MemoryBudget {
    private MemoryBudget() {
    }

    /** The bytes of native memory this process may use: the smaller of JavaCPP's limits and the machine's memory. */
    public static long available() {
        long limit = Long.MAX_VALUE;
        for (long l : new long[] {Pointer.maxBytes(), Pointer.maxPhysicalBytes() - Runtime.getRuntime().maxMemory(), machine()}) {
            if (l > 0) {
                limit = Math.min(limit, l);
            }
        }
        return limit;
    }

    /**
     * Refuses {@code what} when it needs more than {@link #available()}: one line with both figures
     * and {@code fix}.
     */
    public static void require(long bytes, String what, String fix) {
        long available = available();
        if (bytes > available) {
            throw new ConvLabException(what + " needs about " + human(bytes) + " but this process may use " + human(available)
                    + " of native memory (JavaCPP's limit, or the machine's); " + fix);
        }
    }

    private static long machine() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return 0;
    }

    /** 1.2 TB, 340 MB. */
    public static String human(long bytes) {
        String[] units = {"bytes", "KB", "MB", "GB", "TB", "PB"};
        double v = bytes;
        int u = 0;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return u == 0 ? bytes + " bytes" : String.format(java.util.Locale.US, "%.1f %s", v, units[u]);
    }
}
