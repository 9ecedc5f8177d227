package org.convlab.plot;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * A confusion matrix as a picture: rows are the actual classes, columns the predicted ones, each
 * cell shaded by the share of its row and annotated with its count.
 */
public final class ConfusionPlot {
    private ConfusionPlot() {
    }

    public static BufferedImage render(int[][] confusion, List<String> labels, String title) {
        int k = labels.size();
        int cell = Math.max(14, Math.min(56, 900 / Math.max(1, k)));
        int margin = 150;
        int size = margin + k * cell + 20;
        BufferedImage out = new BufferedImage(size, size + 30, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title + "  (rows: actual, columns: predicted)", 10, 20);
        Font labelFont = new Font(Font.SANS_SERIF, Font.PLAIN, Math.min(12, cell - 2));
        Font countFont = new Font(Font.SANS_SERIF, Font.PLAIN, Math.max(8, Math.min(12, cell / 3)));
        int top = 30 + margin;
        for (int a = 0; a < k; a++) {
            int rowTotal = 0;
            for (int p = 0; p < k; p++) {
                rowTotal += confusion[a][p];
            }
            g.setFont(labelFont);
            g.setColor(Color.BLACK);
            FontMetrics fm = g.getFontMetrics();
            String name = shorten(labels.get(a));
            g.drawString(name, margin - 6 - fm.stringWidth(name), top + a * cell + cell / 2 + fm.getAscent() / 2 - 2);
            for (int p = 0; p < k; p++) {
                double share = rowTotal == 0 ? 0 : (double) confusion[a][p] / rowTotal;
                int shade = (int) Math.round(255 * (1 - share));
                g.setColor(a == p ? new Color(shade, 255 - (255 - shade) / 3, shade) : new Color(255, shade, shade));
                g.fillRect(margin + p * cell, top + a * cell, cell, cell);
                g.setColor(Color.LIGHT_GRAY);
                g.drawRect(margin + p * cell, top + a * cell, cell, cell);
                if (confusion[a][p] > 0 && cell >= 18) {
                    g.setFont(countFont);
                    FontMetrics cm = g.getFontMetrics();
                    String c = String.valueOf(confusion[a][p]);
                    g.setColor(share > 0.6 ? Color.WHITE : Color.BLACK);
                    g.drawString(c, margin + p * cell + (cell - cm.stringWidth(c)) / 2, top + a * cell + cell / 2 + cm.getAscent() / 2 - 1);
                }
            }
        }
        // Column labels, rotated.
        g.setFont(labelFont);
        g.setColor(Color.BLACK);
        AffineTransform saved = g.getTransform();
        for (int p = 0; p < k; p++) {
            g.setTransform(saved);
            g.translate(margin + p * cell + cell / 2 + 4, top - 6);
            g.rotate(-Math.PI / 2);
            g.drawString(shorten(labels.get(p)), 0, 0);
        }
        g.setTransform(saved);
        g.dispose();
        return out;
    }

    private static String shorten(String s) {
        return s.length() > 20 ? s.substring(0, 19) + "." : s;
    }
}
