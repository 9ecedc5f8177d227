package org.convlab.data;

import org.convlab.BadSettingException;
import org.convlab.ConvLabException;
import org.convlab.Setting;
import org.convlab.arch.InputShape;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Generated coloured shapes, for tests and for a first run with nothing downloaded: class
 * {@code k} is shape {@code k mod 8} (circle, square, triangle, cross, ring, diamond, bar,
 * x-mark) in colour family {@code k / 8}, drawn at a random place, size, hue within its family
 * and background. The same seed gives the same images.
 */
public final class SyntheticShapes {
    static final String[] SHAPES = {"circle", "square", "triangle", "cross", "ring", "diamond", "bar", "x-mark"};
    /** Colour families: hue centres, spread far apart so each family is distinct. */
    private static final float[] FAMILY_HUES = {0.0f, 0.33f, 0.62f, 0.15f, 0.8f, 0.5f, 0.08f};
    public static final int MAX_CLASSES = SHAPES.length * FAMILY_HUES.length;
    /** Generated sets are held in memory: keep them to a size that fits comfortably. */
    static final long MAX_VALUES = 400_000_000L;

    private SyntheticShapes() {
    }

    public static List<String> labels(int classes) {
        List<String> names = new ArrayList<>();
        for (int k = 0; k < classes; k++) {
            names.add(SHAPES[k % SHAPES.length] + (k < SHAPES.length ? "" : "-" + (k / SHAPES.length + 1)));
        }
        return names;
    }

    /** {@code perClass} images of each of {@code classes} shapes at {@code shape}. */
    public static InMemorySource generate(int classes, int perClass, InputShape shape, long seed, String description) {
        if (classes < 2 || classes > MAX_CLASSES) {
            throw new ConvLabException("synthetic data has 2 to " + MAX_CLASSES + " classes, received " + classes);
        }
        if (perClass < 1) {
            throw new ConvLabException("synthetic data needs at least 1 image per class, received " + perClass);
        }
        long n = (long) classes * perClass;
        if (n * shape.height() * shape.width() * shape.channels() > MAX_VALUES) {
            throw new BadSettingException(Setting.INPUT, "synthetic:" + classes + ":" + perClass + " at " + shape + " would need "
                    + n * shape.height() * shape.width() * shape.channels() * 4 / (1 << 20) + " MB; use fewer images or a smaller %s");
        }
        INDArray features = Nd4j.create(DataType.FLOAT, n, shape.channels(), shape.height(), shape.width());
        int[] labels = new int[(int) n];
        ConvLabImageLoader loader = new ConvLabImageLoader(shape.height(), shape.width(), shape.channels());
        try {
            for (int i = 0; i < n; i++) {
                int label = i % classes;
                labels[i] = label;
                BufferedImage img = draw(label, shape.width(), shape.height(), new Random(seed * 1_000_003L + i));
                features.get(NDArrayIndex.point(i)).assign(loader.asMatrix(img)
                        .reshape(shape.channels(), shape.height(), shape.width()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new InMemorySource(description, labels(classes), features, labels);
    }

    /** One image of class {@code label}. */
    public static BufferedImage draw(int label, int width, int height, Random r) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        float bgHue = r.nextFloat();
        g.setColor(Color.getHSBColor(bgHue, 0.15f * r.nextFloat(), 0.15f + 0.7f * r.nextFloat()));
        g.fillRect(0, 0, width, height);
        float hue = (FAMILY_HUES[label / SHAPES.length] + 0.06f * (r.nextFloat() - 0.5f) + 1f) % 1f;
        Color ink = Color.getHSBColor(hue, 0.65f + 0.35f * r.nextFloat(), 0.75f + 0.25f * r.nextFloat());
        // Ink is saturated and bright (value >= 0.75) on a pale-saturation ground of any brightness,
        // so the hue family stays readable.
        g.setColor(ink);
        int side = Math.min(width, height);
        int size = (int) Math.round(side * (0.45 + 0.3 * r.nextDouble()));
        int x = r.nextInt(Math.max(1, width - size + 1));
        int y = r.nextInt(Math.max(1, height - size + 1));
        float stroke = Math.max(1.5f, size / 7f);
        g.setStroke(new BasicStroke(stroke));
        switch (SHAPES[label % SHAPES.length]) {
            case "circle" -> g.fillOval(x, y, size, size);
            case "square" -> g.fillRect(x, y, size, size);
            case "triangle" -> g.fillPolygon(new Polygon(new int[] {x + size / 2, x, x + size}, new int[] {y, y + size, y + size}, 3));
            case "cross" -> {
                g.fillRect(x + size / 3, y, size / 3, size);
                g.fillRect(x, y + size / 3, size, size / 3);
            }
            case "ring" -> g.drawOval(x + (int) stroke / 2, y + (int) stroke / 2, size - (int) stroke, size - (int) stroke);
            case "diamond" -> g.fillPolygon(new Polygon(new int[] {x + size / 2, x + size, x + size / 2, x},
                    new int[] {y, y + size / 2, y + size, y + size / 2}, 4));
            case "bar" -> g.fillRect(x, y + size / 3, size, size / 3);
            default -> {
                g.drawLine(x, y, x + size, y + size);
                g.drawLine(x + size, y, x, y + size);
            }
        }
        g.dispose();
        return img;
    }
}
