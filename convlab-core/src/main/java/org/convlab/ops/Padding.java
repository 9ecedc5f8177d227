package org.convlab.ops;

import org.convlab.ConvLabException;

import java.util.Locale;

/**
 * Keras/TensorFlow padding for convolution and pooling.
 *
 * <ul>
 *   <li>{@link #VALID}: no padding; the window only visits positions where it fits, so the output
 *       side is {@code floor((n - k) / s) + 1}.</li>
 *   <li>{@link #SAME}: zero padding so the output side is {@code ceil(n / s)}; the padding needed,
 *       {@code max((out - 1) * s + k - n, 0)}, is split with the odd extra row or column at the
 *       bottom or right.</li>
 * </ul>
 */
public enum Padding {
    SAME,
    VALID;

    /** Parses {@code same} or {@code valid}, in any case. */
    public static Padding parse(String text) {
        for (Padding p : values()) {
            if (p.toString().equalsIgnoreCase(text.trim())) {
                return p;
            }
        }
        throw new ConvLabException("padding '" + text + "' is not known; use 'same' or 'valid'");
    }

    /** Output length of one side of an {@code n}-cell input under a {@code kernel} window moving by {@code stride}. */
    public int outputSize(int n, int kernel, int stride) {
        // In long: n + stride - 1 overflows an int for a stride near Integer.MAX_VALUE.
        long out = this == SAME ? ((long) n + stride - 1) / stride : Math.floorDiv((long) n - kernel, (long) stride) + 1;
        return (int) out;
    }

    /** Zero rows (or columns) added before the input: half the total, rounded down. */
    public int padBefore(int n, int kernel, int stride) {
        return this == SAME ? totalPadding(n, kernel, stride) / 2 : 0;
    }

    /** Zero rows (or columns) added in all on one axis. */
    public int totalPadding(int n, int kernel, int stride) {
        return this == SAME ? (int) Math.max((outputSize(n, kernel, stride) - 1L) * stride + kernel - n, 0) : 0;
    }

    /** The keyword as written in specs and on the command line. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
