package org.convlab.runtime;

import org.convlab.ConvLabException;

import java.util.Locale;

/**
 * The algorithm ConvLab's oneDNN convolutions ask for. {@code auto} (the default) leaves oneDNN its choice on maps
 * of 32x32 and more, where on AVX-512 it takes Winograd's F(4x4, 3x3) for 3x3 stride-1 layers (and frozen graphs ask
 * for Winograd on batches), and runs direct convolutions on smaller maps. {@code direct} runs direct convolutions
 * everywhere: what PyTorch does on the CPU, for comparing like with like, and exact to float rounding.
 *
 * <p>Graphs built, loaded or copied afterwards take {@link #requested()}: {@link #request}'s (the command line's
 * {@code --conv-algorithm}), else {@code -Dconvlab.conv.algorithm}, else {@code CONVLAB_CONV_ALGORITHM}, else auto.
 */
public enum ConvAlgorithm {
    AUTO,
    DIRECT;

    public static final String PROPERTY = "convlab.conv.algorithm";
    public static final String ENV = "CONVLAB_CONV_ALGORITHM";
    private static volatile ConvAlgorithm processDefault;

    /** "auto" or "direct", as the command line and the model card write it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ConvAlgorithm parse(String text) {
        for (ConvAlgorithm a : values()) {
            if (a.label().equals(text.trim().toLowerCase(Locale.ROOT))) {
                return a;
            }
        }
        throw new ConvLabException("convolution algorithm '" + text + "' is not known; use auto or direct");
    }

    /** The default for graphs made afterwards without one of their own; null goes back to the property and environment. */
    public static void request(ConvAlgorithm algorithm) {
        processDefault = algorithm;
    }

    public static ConvAlgorithm requested() {
        ConvAlgorithm asked = processDefault;
        if (asked != null) {
            return asked;
        }
        String property = System.getProperty(PROPERTY);
        String value = property != null ? property : System.getenv(ENV);
        if (value == null || value.isBlank()) {
            return AUTO;
        }
        try {
            return parse(value);
        } catch (ConvLabException e) {
            throw new ConvLabException((property != null ? "-D" + PROPERTY : ENV) + "='" + value
                    + "' is not a convolution algorithm; use auto or direct");
        }
    }
}
