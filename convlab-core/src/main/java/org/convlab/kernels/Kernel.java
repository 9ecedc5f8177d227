package org.convlab.kernels;

/**
 * A named 2-D convolution kernel. {@code name} is the key used on the command line
 * ({@code edge-detection-1}), {@code title} the label drawn in pictures ("Edge Detection 1").
 */
public record Kernel(String name, String title, double[][] values) {

    public int rows() {
        return values.length;
    }

    public int cols() {
        return values[0].length;
    }

    /** A copy of the values, safe to change. */
    public double[][] matrix() {
        double[][] copy = new double[values.length][];
        for (int r = 0; r < values.length; r++) {
            copy[r] = values[r].clone();
        }
        return copy;
    }
}
