package org.convlab.plot;

import org.convlab.kernels.Kernel;
import org.convlab.ops.Convolution;
import org.convlab.ops.Padding;
import org.convlab.ops.Volume;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Locale;

/**
 * The tutorial's kernel figure: one row per kernel with its name, the kernel drawn as an
 * annotated heat map (red positive, blue negative), and the image after it. Each channel is
 * convolved on its own, stride 1, 'same' zero padding, and clamped to 0..255.
 *
 * <pre>{@code
 * BufferedImage grid = KernelGrid.render(Pictures.read(Path.of("fruit.png")), Kernels.authors());
 * Pictures.writePng(grid, Path.of("kernels.png"));
 * }</pre>
 */
public final class KernelGrid {
    /** The input is scaled down to this longer side first, so the figure stays readable and fast. */
    public static final int MAX_IMAGE_SIDE = 320;
    private static final int PAD = 12;
    private static final int TITLE_WIDTH = 190;
    private static final int MATRIX_SIDE = 170;
    private static final int HEADER = 36;

    private KernelGrid() {
    }

    public static BufferedImage render(BufferedImage input, List<Kernel> kernels) {
        BufferedImage image = Pictures.fit(input, MAX_IMAGE_SIDE);
        Volume volume = Pictures.toVolume(image, false);
        int rowHeight = Math.max(image.getHeight(), MATRIX_SIDE) + PAD;
        int width = PAD + TITLE_WIDTH + PAD + MATRIX_SIDE + PAD + image.getWidth() + PAD;
        int height = HEADER + rowHeight * (kernels.size() + 1) + PAD;
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.DARK_GRAY);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        int matrixX = PAD + TITLE_WIDTH + PAD;
        int imageX = matrixX + MATRIX_SIDE + PAD;
        g.drawString("Kernel", PAD, HEADER - 12);
        g.drawString("Matrix", matrixX, HEADER - 12);
        g.drawString("Image after the kernel", imageX, HEADER - 12);

        int y = HEADER;
        title(g, "Input", PAD, y, rowHeight);
        g.drawImage(image, imageX, y, null);
        y += rowHeight;
        for (Kernel k : kernels) {
            title(g, k.title(), PAD, y, rowHeight);
            heatMap(g, k.values(), matrixX, y, MATRIX_SIDE);
            Volume filtered = Convolution.perChannel(volume, k.values(), 1, Padding.SAME, 0);
            g.drawImage(Pictures.toImage(filtered), imageX, y, null);
            y += rowHeight;
        }
        g.dispose();
        return out;
    }

    private static void title(Graphics2D g, String text, int x, int y, int rowHeight) {
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 17));
        g.drawString(text, x, y + rowHeight / 2);
    }

    /** Cells coloured by value on a blue-white-red scale, each annotated with its value. */
    static void heatMap(Graphics2D g, double[][] m, int x, int y, int side) {
        int rows = m.length;
        int cols = m[0].length;
        int cell = side / Math.max(rows, cols);
        double scale = 0;
        for (double[] row : m) {
            for (double v : row) {
                scale = Math.max(scale, Math.abs(v));
            }
        }
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, cols > 3 ? 11 : 15));
        FontMetrics fm = g.getFontMetrics();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                double t = scale == 0 ? 0 : m[r][c] / scale;
                g.setColor(diverging(t));
                g.fillRect(x + c * cell, y + r * cell, cell, cell);
                g.setColor(Color.GRAY);
                g.setStroke(new BasicStroke(1));
                g.drawRect(x + c * cell, y + r * cell, cell, cell);
                String label = label(m[r][c]);
                g.setColor(Math.abs(t) > 0.6 ? Color.WHITE : Color.BLACK);
                g.drawString(label, x + c * cell + (cell - fm.stringWidth(label)) / 2,
                        y + r * cell + (cell + fm.getAscent() - fm.getDescent()) / 2);
            }
        }
    }

    /** White at 0, towards red for +1 and blue for -1. */
    static Color diverging(double t) {
        double a = Math.min(1, Math.abs(t));
        int fade = (int) Math.round(255 * (1 - a));
        return t >= 0 ? new Color(255, fade, fade) : new Color(fade, fade, 255);
    }

    static String label(double v) {
        if (v == Math.rint(v)) {
            return Long.toString((long) v);
        }
        return String.format(Locale.US, "%.3f", v).replaceAll("0+$", "");
    }
}
