package org.convlab.ops;

import org.convlab.ConvLabException;

import java.util.Arrays;

/**
 * A height x width x channels block of numbers: an image, a feature map, or a kernel. A plain
 * matrix is a volume with one channel. Values are stored row by row, channels innermost
 * (Keras' "channels last").
 */
public final class Volume {
    private final int height;
    private final int width;
    private final int channels;
    private final double[] data;

    public Volume(int height, int width, int channels) {
        if (height < 1 || width < 1 || channels < 1) {
            throw new ConvLabException("a volume needs at least 1x1x1, received " + height + "x" + width + "x" + channels);
        }
        this.height = height;
        this.width = width;
        this.channels = channels;
        this.data = new double[Math.multiplyExact(Math.multiplyExact(height, width), channels)];
    }

    /** A one-channel volume holding a copy of the matrix (rows must be of equal length). */
    public static Volume of(double[][] matrix) {
        if (matrix.length == 0 || matrix[0].length == 0) {
            throw new ConvLabException("a matrix needs at least one row and one column");
        }
        Volume v = new Volume(matrix.length, matrix[0].length, 1);
        for (int r = 0; r < matrix.length; r++) {
            if (matrix[r].length != v.width) {
                throw new ConvLabException("matrix row " + (r + 1) + " has " + matrix[r].length + " values, expected " + v.width);
            }
            for (int c = 0; c < v.width; c++) {
                v.set(r, c, 0, matrix[r][c]);
            }
        }
        return v;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    public int channels() {
        return channels;
    }

    public double get(int row, int col, int channel) {
        return data[index(row, col, channel)];
    }

    public void set(int row, int col, int channel, double value) {
        data[index(row, col, channel)] = value;
    }

    /** One channel as a matrix. */
    public double[][] channel(int channel) {
        double[][] m = new double[height][width];
        for (int r = 0; r < height; r++) {
            for (int c = 0; c < width; c++) {
                m[r][c] = get(r, c, channel);
            }
        }
        return m;
    }

    /** All values in row, column, channel order (a copy). */
    public double[] values() {
        return data.clone();
    }

    private int index(int row, int col, int channel) {
        return (row * width + col) * channels + channel;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Volume v && v.height == height && v.width == width && v.channels == channels
                && Arrays.equals(v.data, data);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(data) * 31 + height * 7 + width * 3 + channels;
    }

    @Override
    public String toString() {
        return "Volume " + height + "x" + width + "x" + channels;
    }
}
