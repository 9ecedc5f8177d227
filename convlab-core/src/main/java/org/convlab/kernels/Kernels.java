package org.convlab.kernels;

import org.convlab.ConvLabException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The classic image kernels. The first seven are the ones the tutorial's author applied in his
 * {@code plot_with_kernels}, in his order; the rest are other well-known edge and blur filters.
 *
 * <pre>{@code
 * double[][] k = Kernels.get("sharpen").matrix();   // [[0,-1,0],[-1,5,-1],[0,-1,0]]
 * }</pre>
 */
public final class Kernels {
    private static final Map<String, Kernel> ALL = new LinkedHashMap<>();
    private static final int AUTHORS_COUNT = 7;

    static {
        add("identity", "Identity", new double[][] {{0, 0, 0}, {0, 1, 0}, {0, 0, 0}});
        add("edge-detection-1", "Edge Detection 1", new double[][] {{1, 0, -1}, {0, 0, 0}, {-1, 0, 1}});
        add("edge-detection-2", "Edge Detection 2", new double[][] {{0, 1, 0}, {1, -4, 1}, {0, 1, 0}});
        add("edge-detection-3", "Edge Detection 3", new double[][] {{-1, -1, -1}, {-1, 8, -1}, {-1, -1, -1}});
        add("sharpen", "Sharpen", new double[][] {{0, -1, 0}, {-1, 5, -1}, {0, -1, 0}});
        add("box-blur", "Box Blur", scale(new double[][] {{1, 1, 1}, {1, 1, 1}, {1, 1, 1}}, 1.0 / 9));
        add("gaussian-blur", "Gaussian Blur 3x3", scale(new double[][] {{1, 2, 1}, {2, 4, 2}, {1, 2, 1}}, 1.0 / 16));
        add("sobel-x", "Sobel X", new double[][] {{-1, 0, 1}, {-2, 0, 2}, {-1, 0, 1}});
        add("sobel-y", "Sobel Y", new double[][] {{-1, -2, -1}, {0, 0, 0}, {1, 2, 1}});
        add("prewitt-x", "Prewitt X", new double[][] {{-1, 0, 1}, {-1, 0, 1}, {-1, 0, 1}});
        add("prewitt-y", "Prewitt Y", new double[][] {{-1, -1, -1}, {0, 0, 0}, {1, 1, 1}});
        add("emboss", "Emboss", new double[][] {{-2, -1, 0}, {-1, 1, 1}, {0, 1, 2}});
        add("gaussian-blur-5x5", "Gaussian Blur 5x5", gaussian5x5());
    }

    private Kernels() {
    }

    private static void add(String name, String title, double[][] values) {
        ALL.put(name, new Kernel(name, title, values));
    }

    private static double[][] scale(double[][] m, double factor) {
        for (double[] row : m) {
            for (int c = 0; c < row.length; c++) {
                row[c] *= factor;
            }
        }
        return m;
    }

    /** Binomial weights [1 4 6 4 1] times their transpose, over 256. */
    private static double[][] gaussian5x5() {
        double[] b = {1, 4, 6, 4, 1};
        double[][] m = new double[5][5];
        for (int r = 0; r < 5; r++) {
            for (int c = 0; c < 5; c++) {
                m[r][c] = b[r] * b[c] / 256;
            }
        }
        return m;
    }

    /** Every kernel, the author's seven first. */
    public static List<Kernel> all() {
        return List.copyOf(ALL.values());
    }

    /** The seven kernels of the author's {@code plot_with_kernels}, in his order. */
    public static List<Kernel> authors() {
        return new ArrayList<>(ALL.values()).subList(0, AUTHORS_COUNT);
    }

    /** A kernel by name; fails with the list of names. */
    public static Kernel get(String name) {
        Kernel k = ALL.get(name.trim().toLowerCase());
        if (k == null) {
            throw new ConvLabException("kernel '" + name + "' is not known; use one of " + String.join(", ", ALL.keySet())
                    + ", or a CSV file");
        }
        return k;
    }
}
