package org.convlab.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageDecoderTest {
    private static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, format, out);
        return out.toByteArray();
    }

    @Test
    void aCutJpegIsRefusedAlikeFromAFileAndFromBytes(@TempDir Path dir) throws IOException {
        byte[] jpeg = encode(SyntheticShapes.draw(1, 64, 64, new java.util.Random(2)), "jpg");
        byte[] cut = Arrays.copyOf(jpeg, jpeg.length * 2 / 3);
        Path file = Files.write(dir.resolve("cut.jpg"), cut);
        String fromFile = assertThrows(ImageDecoder.UnreadableImageException.class, () -> ImageDecoder.decode(file)).getMessage();
        String fromBytes = assertThrows(ImageDecoder.UnreadableImageException.class, () -> ImageDecoder.decode(cut)).getMessage();
        assertEquals("truncated JPEG (no end-of-image marker)", fromFile);
        assertEquals(fromFile, fromBytes);
        assertEquals(64, ImageDecoder.decode(jpeg).width(), "the whole file still decodes");
    }

    @Test
    void pixelsAreReadFromTheHeaderWithoutDecoding() throws IOException {
        // A 1-bit 7000x7000 PNG is a few kilobytes that would decode to 147 MB of BGR pixels.
        byte[] png = encode(new BufferedImage(7000, 7000, BufferedImage.TYPE_BYTE_BINARY), "png");
        assertTrue(png.length < 100_000, png.length + " bytes");
        assertEquals(49_000_000L, ImageDecoder.pixels(png));
        byte[] huge = encode(new BufferedImage(8000, 7000, BufferedImage.TYPE_BYTE_BINARY), "png");
        String refused = assertThrows(ImageDecoder.UnreadableImageException.class, () -> ImageDecoder.pixels(huge)).getMessage();
        assertTrue(refused.contains("8000x7000") && refused.contains("50 megapixels"), refused);
        assertThrows(ImageDecoder.UnreadableImageException.class, () -> ImageDecoder.pixels("text".getBytes()));
    }

    @Test
    void everyFormatDecodesFromBytesAsImageIoReadsIt() throws IOException {
        BufferedImage picture = SyntheticShapes.draw(3, 40, 30, new java.util.Random(5));
        for (String format : new String[] {"png", "bmp", "gif", "tiff", "jpg"}) {
            byte[] bytes = encode(picture, format);
            BufferedImage expected = ImageDecoder.toBgr(ImageIO.read(new java.io.ByteArrayInputStream(bytes)));
            // twice: the first lookup asks every plugin, the second takes the reader remembered for these bytes
            for (int round = 0; round < 2; round++) {
                BufferedImage got = ImageDecoder.decode(bytes).image();
                assertEquals(expected.getWidth(), got.getWidth(), format);
                assertTrue(Arrays.equals(pixels(expected), pixels(got)), format + ", round " + round);
                assertEquals(expected.getWidth() * (long) expected.getHeight(), ImageDecoder.pixels(bytes), format);
            }
        }
    }

    @Test
    void aKnownSignatureWithGarbageAfterItIsRefusedByName() throws IOException {
        byte[] png = encode(SyntheticShapes.draw(1, 16, 16, new java.util.Random(7)), "png");
        ImageDecoder.decode(png); // the PNG reader is now remembered for these first bytes
        byte[] broken = Arrays.copyOf(png, png.length);
        Arrays.fill(broken, 16, broken.length, (byte) 0x5A);
        String refused = assertThrows(ImageDecoder.UnreadableImageException.class, () -> ImageDecoder.decode(broken)).getMessage();
        assertTrue(refused.startsWith("cannot be decoded (PNG)"), refused);
        assertThrows(ImageDecoder.UnreadableImageException.class, () -> ImageDecoder.decode(Arrays.copyOf(png, 3)));
    }

    private static byte[] pixels(BufferedImage bgr) {
        return ((java.awt.image.DataBufferByte) bgr.getRaster().getDataBuffer()).getData();
    }
}
