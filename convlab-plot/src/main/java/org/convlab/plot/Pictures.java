package org.convlab.plot;

import org.convlab.ConvLabException;
import org.convlab.data.ImageDecoder;
import org.convlab.ops.Volume;

import javax.imageio.ImageIO;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Images in and out: decoding to a 0..255 {@link Volume}, clamping back to pixels, and safe PNG writing. */
public final class Pictures {
    private Pictures() {
    }

    /** Decodes an image file (through the training decoder); fails with a clear message when it is missing or not an image. */
    public static BufferedImage read(Path file) {
        return ImageDecoder.load(file).image();
    }

    /** The image as height x width x 3 (RGB) or x 1 (grey, by luma 0.299 R + 0.587 G + 0.114 B), values 0..255. */
    public static Volume toVolume(BufferedImage image, boolean grey) {
        Volume v = new Volume(image.getHeight(), image.getWidth(), grey ? 1 : 3);
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                int r = (rgb >> 16) & 0xff;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                if (grey) {
                    v.set(y, x, 0, 0.299 * r + 0.587 * g + 0.114 * b);
                } else {
                    v.set(y, x, 0, r);
                    v.set(y, x, 1, g);
                    v.set(y, x, 2, b);
                }
            }
        }
        return v;
    }

    /**
     * Pixels from a volume of 1 or 3 channels, each value rounded and clamped to 0..255. (The
     * tutorial author's code let values above 255 wrap around to dark; clamping keeps them white.)
     */
    public static BufferedImage toImage(Volume v) {
        BufferedImage image = new BufferedImage(v.width(), v.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < v.height(); y++) {
            for (int x = 0; x < v.width(); x++) {
                int r = clamp(v.get(y, x, 0));
                int g = v.channels() >= 3 ? clamp(v.get(y, x, 1)) : r;
                int b = v.channels() >= 3 ? clamp(v.get(y, x, 2)) : r;
                image.setRGB(x, y, (r << 16) | (g << 8) | b);
            }
        }
        return image;
    }

    static int clamp(double value) {
        return (int) Math.max(0, Math.min(255, Math.round(value)));
    }

    /** The image scaled so that its longer side is at most {@code maxSide} pixels (never enlarged). */
    public static BufferedImage fit(BufferedImage image, int maxSide) {
        int longer = Math.max(image.getWidth(), image.getHeight());
        if (longer <= maxSide) {
            return image;
        }
        double s = (double) maxSide / longer;
        return scale(image, Math.max(1, (int) Math.round(image.getWidth() * s)), Math.max(1, (int) Math.round(image.getHeight() * s)));
    }

    /** The image resampled to exactly width x height (bilinear). */
    public static BufferedImage scale(BufferedImage image, int width, int height) {
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(image, 0, 0, width, height, null);
        g.dispose();
        return out;
    }

    /**
     * Writes a PNG without ever leaving a half-written file: the picture goes to a temporary file
     * beside the target, which is then renamed over it.
     */
    public static void writePng(BufferedImage image, Path file) {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new ConvLabException("cannot create folder " + dir + ": " + e.getMessage());
        }
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
            if (!ImageIO.write(image, "png", tmp.toFile())) {
                throw new IllegalStateException("no PNG writer available");
            }
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new ConvLabException("cannot write " + target + ": " + e.getMessage());
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the rename succeeded or the folder is gone: nothing left to clean
                }
            }
        }
    }
}
