package org.convlab.arch;

import org.convlab.ConvLabException;

/**
 * The network's input: height x width x channels (1 for grey, 3 for RGB). Sides are at most
 * {@value #MAX_SIDE}, channels at most {@value #MAX_CHANNELS}, and one example at most
 * {@link Integer#MAX_VALUE} values (DL4J indexes a flattened example with an int).
 */
public record InputShape(int height, int width, int channels) {
    public static final int MAX_SIDE = 16_384;
    public static final int MAX_CHANNELS = 4_096;

    public InputShape {
        if (height < 1 || width < 1 || channels < 1) {
            throw new ConvLabException("input shape must be positive in every dimension, received "
                    + height + "x" + width + "x" + channels);
        }
        if (height > MAX_SIDE || width > MAX_SIDE || channels > MAX_CHANNELS
                || (long) height * width * channels > Integer.MAX_VALUE) {
            throw new ConvLabException("input shape " + height + "x" + width + "x" + channels + " is too large: each side must be at most "
                    + MAX_SIDE + ", channels at most " + MAX_CHANNELS + ", and height x width x channels at most "
                    + String.format("%,d", Integer.MAX_VALUE) + " values");
        }
    }

    /** Parses {@code HxWxC}, for example {@code 100x100x3} or {@code 28x28x1}. */
    public static InputShape parse(String text) {
        String[] parts = text.trim().toLowerCase().split("x");
        if (parts.length != 3) {
            throw new ConvLabException("input shape '" + text + "' is not HxWxC (for example 28x28x1)");
        }
        try {
            return new InputShape(side(parts[0], text), side(parts[1], text), side(parts[2], text));
        } catch (NumberFormatException e) {
            throw new ConvLabException("input shape '" + text + "' is not HxWxC with whole numbers (for example 28x28x1)");
        }
    }

    /** One number of HxWxC; a number too long for an int is simply too large, not "not a number". */
    private static int side(String digits, String text) {
        if (digits.matches("[0-9]{10,}")) {
            throw new ConvLabException("input shape '" + text + "' is too large: each side must be at most " + MAX_SIDE);
        }
        return Integer.parseInt(digits);
    }

    @Override
    public String toString() {
        return height + "x" + width + "x" + channels;
    }
}
