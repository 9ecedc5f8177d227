package org.convlab.plot;

import org.convlab.ops.Volume;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PicturesTest {

    @Test
    void valuesAreClampedNotWrapped() {
        Volume v = new Volume(1, 3, 1);
        v.set(0, 0, 0, -40);
        v.set(0, 1, 0, 300);
        v.set(0, 2, 0, 127.6);
        BufferedImage img = Pictures.toImage(v);
        assertEquals(0, img.getRGB(0, 0) & 0xff);
        // The author's uint8 cast would have wrapped 300 to 44; we keep it white.
        assertEquals(255, img.getRGB(1, 0) & 0xff);
        assertEquals(128, img.getRGB(2, 0) & 0xff);
    }

    @Test
    void greyUsesLuma() {
        BufferedImage img = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, 200 << 16 | 100 << 8 | 50);
        assertEquals(0.299 * 200 + 0.587 * 100 + 0.114 * 50, Pictures.toVolume(img, true).get(0, 0, 0), 1e-9);
        assertEquals(3, Pictures.toVolume(img, false).channels());
    }

    @Test
    void pngRoundTripsThroughDisk(@TempDir Path dir) throws IOException {
        Volume v = new Volume(5, 7, 3);
        v.set(2, 3, 1, 99);
        Path file = dir.resolve("a/b.png");
        Pictures.writePng(Pictures.toImage(v), file);
        BufferedImage back = ImageIO.read(file.toFile());
        assertEquals(7, back.getWidth());
        assertEquals(5, back.getHeight());
        assertEquals(99, (back.getRGB(3, 2) >> 8) & 0xff);
    }
}
