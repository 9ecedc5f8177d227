package org.convlab.runtime;

import org.convlab.ConvLabException;
import org.bytedeco.javacpp.Pointer;

import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.memory.MemoryUseMode;
import org.nd4j.linalg.api.buffer.DataType;
import org.deeplearning4j.nn.graph.ComputationGraph;

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

    /**
     * Refuses running {@code graph} on {@code examples} at once (training or inference) when DL4J's
     * own memory report for that input and batch says it needs more than {@link #available()}.
     */
    public static void requireForBatch(ComputationGraph graph, InputType input, int examples, boolean training, String what,
                                       String fix) {
        long bytes = graph.getConfiguration().getMemoryReport(input).getTotalMemoryBytes(examples,
                training ? MemoryUseMode.TRAINING : MemoryUseMode.INFERENCE, CacheMode.DEVICE, DataType.FLOAT);
        require(bytes, what + " (" + String.format("%,d", examples) + " examples at once)", fix);
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
