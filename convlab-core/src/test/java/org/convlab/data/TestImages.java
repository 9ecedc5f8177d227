package org.convlab.data;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;
import java.awt.image.BufferedImage;
import java.awt.image.DataBuffer;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;

/** Writes the images, good and bad, that the data tests need. */
final class TestImages {
    private TestImages() {
    }

    /** A solid-colour RGB image. */
    static BufferedImage solid(int w, int h, int rgb) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, rgb);
            }
        }
        return img;
    }

    static Path write(BufferedImage img, String format, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        if (!ImageIO.write(img, format, file.toFile())) {
            throw new IOException("no writer for " + format);
        }
        return file;
    }

    static Path truncatedJpeg(Path file) throws IOException {
        Path full = write(solid(64, 64, 0x336699), "jpg", file);
        byte[] bytes = Files.readAllBytes(full);
        Files.write(file, Arrays.copyOf(bytes, bytes.length * 2 / 3));
        return file;
    }

    static Path alphaPng(Path file) throws IOException {
        BufferedImage img = new BufferedImage(20, 20, BufferedImage.TYPE_INT_ARGB);
        img.setRGB(5, 5, 0xFFFF0000);
        return write(img, "png", file);
    }

    /** 16-bit grey, every sample {@code value}. */
    static Path grey16Png(Path file, int value) throws IOException {
        BufferedImage img = new BufferedImage(20, 20, BufferedImage.TYPE_USHORT_GRAY);
        for (int y = 0; y < 20; y++) {
            for (int x = 0; x < 20; x++) {
                img.getRaster().setSample(x, y, 0, value);
            }
        }
        return write(img, "png", file);
    }

    static Path greyPng(Path file, int value) throws IOException {
        BufferedImage img = new BufferedImage(20, 20, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 20; y++) {
            for (int x = 0; x < 20; x++) {
                img.getRaster().setSample(x, y, 0, value);
            }
        }
        return write(img, "png", file);
    }

    /** A CMYK JPEG (Adobe's inverted convention) of a red colour: C 0, M 75%, Y 75%, K 22%. */
    static Path cmykJpeg(Path file) throws IOException {
        Files.createDirectories(file.getParent());
        WritableRaster r = Raster.createInterleavedRaster(DataBuffer.TYPE_BYTE, 20, 20, 4, null);
        for (int y = 0; y < 20; y++) {
            for (int x = 0; x < 20; x++) {
                r.setPixel(x, y, new int[] {255, 64, 64, 200});
            }
        }
        ImageWriter w = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream os = ImageIO.createImageOutputStream(file.toFile())) {
            w.setOutput(os);
            w.write(null, new IIOImage(r, null, null), w.getDefaultWriteParam());
        } finally {
            w.dispose();
        }
        return file;
    }

    /** A PNG whose header claims 100000 x 100000 pixels (a decompression bomb), with no pixel data. */
    static Path hugePngHeader(Path file) throws IOException {
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(ihdr);
        d.writeBytes("IHDR");
        d.writeInt(100_000);
        d.writeInt(100_000);
        d.write(new byte[] {8, 2, 0, 0, 0});
        byte[] chunk = ihdr.toByteArray();
        CRC32 crc = new CRC32();
        crc.update(chunk);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        DataOutputStream p = new DataOutputStream(png);
        p.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        p.writeInt(13);
        p.write(chunk);
        p.writeInt((int) crc.getValue());
        Files.createDirectories(file.getParent());
        Files.write(file, png.toByteArray());
        return file;
    }
}
