package org.convlab.ops;

/**
 * Flatten: keep the batch axis, multiply the others together. A (32, 6, 6, 256) batch becomes
 * (32, 9216); one example's 6x6x256 volume becomes 9,216 values, row by row, channels innermost
 * (Keras' order).
 */
public final class Flatten {
    private Flatten() {
    }

    public static double[] apply(Volume x) {
        return x.values();
    }

    /** Length of the flat vector for a height x width x channels input. */
    public static long outputSize(int height, int width, int channels) {
        return (long) height * width * channels;
    }
}
