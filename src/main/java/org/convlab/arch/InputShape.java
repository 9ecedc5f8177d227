package org.convlab.arch;

import org.convlab.ConvLabException;

/** The network's input: height x width x channels (1 for grey, 3 for RGB). */
public record InputShape(int height, int width, int channels) {

    public InputShape {
        if (height < 1 || width < 1 || channels < 1) {
            throw new ConvLabException("input shape must be positive in every dimension, received "
                    + height + "x" + width + "x" + channels);
        }
    }

    /** Parses {@code HxWxC}, for example {@code 100x100x3} or {@code 28x28x1}. */
    public static InputShape parse(String text) {
        String[] parts = text.trim().toLowerCase().split("x");
        if (parts.length != 3) {
            throw new ConvLabException("input shape '" + text + "' is not HxWxC (for example 28x28x1)");
        }
        try {
            return new InputShape(Integer.parseInt(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
        } catch (NumberFormatException e) {
            throw new ConvLabException("input shape '" + text + "' is not HxWxC with whole numbers (for example 28x28x1)");
        }
    }

    @Override
    public String toString() {
        return height + "x" + width + "x" + channels;
    }
}
