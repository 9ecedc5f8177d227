package org.convlab.runtime;

import org.convlab.ConvLabException;
import org.convlab.runtime.dnnl.Dnnl;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * The code a network's convolutions run on: ConvLab's oneDNN helpers ({@code dnnl}, the default)
 * or DL4J's own path ({@code dl4j}). Chosen for the whole process with {@code -Dconvlab.conv=...}
 * or {@code CONVLAB_CONV}; {@link Networks} installs the matching helpers into every graph.
 */
public enum ConvEngine {
    /** oneDNN called directly: primitives and buffers kept between calls. */
    DNNL,
    /** DL4J's own path (its oneDNN helper through libnd4j, or im2col + gemm). */
    DL4J;

    public static final String PROPERTY = "convlab.conv";
    public static final String ENV = "CONVLAB_CONV";
    private static final Logger LOG = LoggerFactory.getLogger(ConvEngine.class);
    private static volatile Boolean dnnlLoads;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The engine asked for (property, then environment), DNNL when neither says. */
    public static ConvEngine requested() {
        String value = System.getProperty(PROPERTY, System.getenv(ENV));
        if (value == null || value.isBlank()) {
            return DNNL;
        }
        for (ConvEngine e : values()) {
            if (e.label().equals(value.trim().toLowerCase(Locale.ROOT))) {
                return e;
            }
        }
        throw new ConvLabException("convolution engine '" + value + "' (" + PROPERTY + " / " + ENV
                + ") is not known; use dnnl or dl4j");
    }

    /** The engine convolutions really run on here: DNNL only on the CPU backend and where oneDNN loads. */
    public static ConvEngine active() {
        if (requested() != DNNL || !nd4jBackend().equals("CPU")) {
            return DL4J;
        }
        return dnnlLoads() ? DNNL : DL4J;
    }

    /**
     * What convolutions run on here, in words: "ConvLab oneDNN 2.5.2", "DL4J oneDNN helper" or
     * "DL4J im2col" (no oneDNN in the loaded ND4J build).
     */
    public static String describeActive() {
        if (active() == DNNL) {
            return "ConvLab oneDNN " + Dnnl.version();
        }
        String backend = nd4jBackend();
        if (backend.equals("CPU")) {
            return NativeSetup.dl4jOneDnnUsable() ? "DL4J oneDNN helper" : "DL4J im2col";
        }
        return "DL4J " + backend;
    }

    /** The backend ND4J loaded, "CPU" or "CUDA", as DL4J's own helper selection reads it. */
    private static String nd4jBackend() {
        return String.valueOf(Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend")).toUpperCase(Locale.ROOT);
    }

    private static boolean dnnlLoads() {
        if (dnnlLoads == null) {
            synchronized (ConvEngine.class) {
                if (dnnlLoads == null) {
                    try {
                        LOG.debug("oneDNN {}", Dnnl.version());
                        dnnlLoads = true;
                    } catch (Throwable e) {
                        LOG.warn("oneDNN did not load ({}); convolutions run on DL4J's own code", e.toString());
                        dnnlLoads = false;
                    }
                }
            }
        }
        return dnnlLoads;
    }
}
