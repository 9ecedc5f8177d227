package org.convlab.plot;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;

/**
 * What a trained network learned, drawn: the first convolution's kernels as small pictures, and
 * a layer's feature maps (one grey tile per channel) for an input image, the tutorial's picture of
 * filters and what they detect.
 */
public final class FilterPictures {
    private static final int GAP = 4;

    private FilterPictures() {
    }

    /**
     * The kernels of a convolution layer's weights [out, in, kh, kw]: a colour tile per filter when
     * the input has 3 channels (BGR order as the network sees it), grey otherwise, each tile
     * stretched to its own min..max and enlarged to {@code tile} pixels.
     */
    public static BufferedImage kernels(INDArray weightsView, int tile) {
        // A copy: ND4J 1.0.0-M2.1 returns empty sub-arrays for the last filters of a parameter view.
        INDArray weights = weightsView.dup();
        int n = (int) weights.size(0);
        int in = (int) weights.size(1);
        int kh = (int) weights.size(2);
        int kw = (int) weights.size(3);
        int cols = (int) Math.ceil(Math.sqrt(n));
        int rows = (n + cols - 1) / cols;
        BufferedImage out = canvas(cols, rows, tile);
        for (int f = 0; f < n; f++) {
            INDArray w = weights.get(NDArrayIndex.point(f), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
            double min = w.minNumber().doubleValue();
            double max = w.maxNumber().doubleValue();
            BufferedImage small = new BufferedImage(kw, kh, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < kh; y++) {
                for (int x = 0; x < kw; x++) {
                    int b = level(w.getDouble(0, y, x), min, max);
                    int g = in >= 3 ? level(w.getDouble(1, y, x), min, max) : b;
                    int r = in >= 3 ? level(w.getDouble(2, y, x), min, max) : b;
                    small.setRGB(x, y, (r << 16) | (g << 8) | b);
                }
            }
            place(out, small, f % cols, f / cols, tile);
        }
        return out;
    }

    /** Channels of one activation [1, C, H, W] as grey tiles (up to {@code limit}), each stretched to its own range. */
    public static BufferedImage featureMaps(INDArray activationView, int limit, int tile, String title) {
        INDArray activation = activationView.dup();
        int c = (int) Math.min(limit, activation.size(1));
        int h = (int) activation.size(2);
        int w = (int) activation.size(3);
        int cols = (int) Math.ceil(Math.sqrt(c));
        int rows = (c + cols - 1) / cols;
        BufferedImage grid = canvas(cols, rows, tile);
        for (int ch = 0; ch < c; ch++) {
            INDArray map = activation.get(NDArrayIndex.point(0), NDArrayIndex.point(ch), NDArrayIndex.all(), NDArrayIndex.all());
            double min = map.minNumber().doubleValue();
            double max = map.maxNumber().doubleValue();
            BufferedImage small = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int v = level(map.getDouble(y, x), min, max);
                    small.setRGB(x, y, (v << 16) | (v << 8) | v);
                }
            }
            place(grid, small, ch % cols, ch / cols, tile);
        }
        BufferedImage out = new BufferedImage(grid.getWidth(), grid.getHeight() + 24, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.drawString(title, 4, 17);
        g.drawImage(grid, 0, 24, null);
        g.dispose();
        return out;
    }

    /**
     * Activations of every vertex for one input, by name (evaluation mode), in NCHW order: the
     * graph's convolutions are first set to keep plain layouts between them.
     */
    public static java.util.Map<String, INDArray> activations(ComputationGraph graph, INDArray input) {
        return org.convlab.runtime.Networks.inspectable(graph).feedForward(input, false);
    }

    private static BufferedImage canvas(int cols, int rows, int tile) {
        BufferedImage out = new BufferedImage(cols * (tile + GAP) + GAP, rows * (tile + GAP) + GAP, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.dispose();
        return out;
    }

    private static void place(BufferedImage out, BufferedImage small, int col, int row, int tile) {
        Graphics2D g = out.createGraphics();
        // Nearest neighbour keeps each kernel weight a visible square.
        g.drawImage(small, GAP + col * (tile + GAP), GAP + row * (tile + GAP), tile, tile, null);
        g.dispose();
    }

    private static int level(double v, double min, double max) {
        return max > min ? (int) Math.round(255 * (v - min) / (max - min)) : 128;
    }
}
