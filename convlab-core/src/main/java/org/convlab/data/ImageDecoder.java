package org.convlab.data;

import org.convlab.ConvLabException;

import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.spi.ImageReaderSpi;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one place where image files become pixels, for training, evaluation and prediction alike.
 *
 * <p>Java ImageIO with the TwelveMonkeys plugins (which DataVec brings) reads JPEG including CMYK
 * and YCCK, PNG including 16-bit and alpha, GIF, BMP and TIFF. Whatever the file held, the result
 * is 8-bit BGR (OpenCV's order, which DataVec's loader expects): 16-bit samples are scaled to
 * 8 bits, transparent pixels are composited on white, grey is repeated in the three channels.
 * Everything that cannot be decoded fails with {@link UnreadableImageException} naming why.
 */
public final class ImageDecoder {
    /** Larger images are refused: decoding one would take gigabytes. */
    public static final long MAX_PIXELS = 50_000_000L;
    /** How far from a JPEG's end its end-of-image marker is looked for (encoders may pad after it). */
    private static final int JPEG_TAIL = 64;
    /**
     * The reader that first recognised files starting with these bytes. Asking every registered plugin whether
     * it can read a stream (ImageIO's way) took most of the time of reading a small PNG; the remembered reader
     * is still asked whether it can read each stream, and any other is looked up the long way.
     */
    private static final Map<String, ImageReaderSpi> READER_BY_SIGNATURE = new ConcurrentHashMap<>();
    /** Bounds the map above whatever bytes clients send. */
    private static final int MAX_SIGNATURES = 64;
    private static final int SIGNATURE_BYTES = 4;

    private ImageDecoder() {
    }

    /** The file could not be used as an image; {@link #getMessage()} says why, for a problem list. */
    public static final class UnreadableImageException extends ConvLabException {
        public UnreadableImageException(String reason) {
            super(reason);
        }
    }

    /** Like {@link #decode(Path)}, for a file a user named: the message leads with the path. */
    public static DecodedImage load(Path file) {
        try {
            return decode(file);
        } catch (UnreadableImageException e) {
            throw new ConvLabException("image " + file + ": " + e.getMessage()
                    + (Files.isRegularFile(file) ? " (use a JPEG, PNG, BMP, GIF or TIFF file)" : ""));
        }
    }

    public static DecodedImage decode(Path file) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new UnreadableImageException(Files.exists(file) ? "cannot be read (" + e + ")" : "does not exist");
        }
        if (size == 0) {
            throw new UnreadableImageException("empty file (0 bytes)");
        }
        if (looksLikeTruncatedJpeg(file, size)) {
            throw new UnreadableImageException("truncated JPEG (no end-of-image marker)");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            return decode(in);
        } catch (IOException e) {
            throw new UnreadableImageException("cannot be decoded: " + e.getMessage());
        }
    }

    public static DecodedImage decode(byte[] bytes) {
        if (bytes.length == 0) {
            throw new UnreadableImageException("empty image (0 bytes)");
        }
        if (looksLikeTruncatedJpeg(bytes)) {
            throw new UnreadableImageException("truncated JPEG (no end-of-image marker)");
        }
        try (ImageInputStream in = inMemory(bytes)) {
            return decode(in);
        } catch (IOException e) {
            throw new UnreadableImageException("cannot be decoded: " + e.getMessage());
        }
    }

    /**
     * Width times height, as the image's header states it, read without decoding the pixels: what decoding
     * {@code bytes} will hold in memory, for callers that budget it first (the server). Refused like
     * {@link #decode(byte[])}: not an image, or over {@value #MAX_PIXELS} pixels.
     */
    public static long pixels(byte[] bytes) {
        if (bytes.length == 0) {
            throw new UnreadableImageException("empty image (0 bytes)");
        }
        try (ImageInputStream in = inMemory(bytes)) {
            ImageReader reader = reader(in);
            try {
                return checkedPixels(reader);
            } catch (IOException | RuntimeException e) {
                throw unreadable(reader, e);
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new UnreadableImageException("cannot be decoded: " + e.getMessage());
        }
    }

    /**
     * A stream over bytes already in memory. {@link ImageIO#createImageInputStream} would, with ImageIO's
     * default (a process-wide setting, not this library's to change), copy them into a temporary file first:
     * for a 28x28 PNG that made reading its header 4x slower than reading it from memory.
     */
    private static ImageInputStream inMemory(byte[] bytes) {
        return new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes));
    }

    /** A picture already in memory, normalised like a decoded file. */
    public static DecodedImage normalise(BufferedImage image) {
        return new DecodedImage(toBgr(image), image.getWidth(), image.getHeight(), mode(image.getColorModel()));
    }

    private static DecodedImage decode(ImageInputStream in) throws IOException {
        ImageReader reader = reader(in);
        try {
            checkedPixels(reader);
            BufferedImage image = reader.read(0);
            return normalise(image);
        } catch (IOException | RuntimeException | LinkageError e) {
            // LinkageError: some ImageIO plugins (jai-imageio's PNM reader) need JDK internals.
            throw unreadable(reader, e);
        } finally {
            reader.dispose();
        }
    }

    /** A reader that recognises the stream's contents, its input set. */
    private static ImageReader reader(ImageInputStream in) throws IOException {
        if (in == null) {
            throw new UnreadableImageException("cannot be opened as an image");
        }
        String signature = signature(in);
        ImageReaderSpi known = READER_BY_SIGNATURE.get(signature);
        ImageReader reader;
        if (known != null && known.canDecodeInput(in)) {
            reader = known.createReaderInstance();
        } else {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new UnreadableImageException("not an image (no decoder recognises its contents)");
            }
            reader = readers.next();
            if (reader.getOriginatingProvider() != null && READER_BY_SIGNATURE.size() < MAX_SIGNATURES) {
                READER_BY_SIGNATURE.putIfAbsent(signature, reader.getOriginatingProvider());
            }
        }
        reader.setInput(in, true, true);
        return reader;
    }

    /** The stream's first bytes as hex (its position unchanged): PNG, JPEG, GIF, BMP and TIFF differ in them. */
    private static String signature(ImageInputStream in) throws IOException {
        byte[] head = new byte[SIGNATURE_BYTES];
        in.mark();
        int n;
        try {
            n = in.read(head);
        } finally {
            in.reset();
        }
        return n <= 0 ? "" : HexFormat.of().formatHex(head, 0, n);
    }

    /** The first image's pixel count from its header, refused over {@link #MAX_PIXELS}. */
    private static long checkedPixels(ImageReader reader) throws IOException {
        long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
        if (pixels > MAX_PIXELS) {
            throw new UnreadableImageException("too large to decode safely (" + reader.getWidth(0) + "x"
                    + reader.getHeight(0) + "); at most " + MAX_PIXELS / 1_000_000 + " megapixels");
        }
        return pixels;
    }

    private static UnreadableImageException unreadable(ImageReader reader, Throwable e) {
        if (e instanceof UnreadableImageException u) {
            return u;
        }
        String format;
        try {
            format = reader.getFormatName().toUpperCase(Locale.ROOT);
        } catch (IOException ignored) {
            format = "image";
        }
        return new UnreadableImageException("cannot be decoded (" + format + "): " + e.getMessage());
    }

    /** JPEG files start with FF D8 and end with FF D9; a missing end marker means the file was cut short. */
    private static boolean looksLikeTruncatedJpeg(Path file, long size) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            if (size < 4) {
                return false;
            }
            byte[] start = new byte[2];
            f.readFully(start);
            byte[] end = new byte[(int) Math.min(size, JPEG_TAIL)];
            f.seek(size - end.length);
            f.readFully(end);
            return truncatedJpeg(start, end);
        } catch (IOException e) {
            return false;
        }
    }

    /** The same rule for bytes in memory (an upload), so a file and its bytes are refused alike. */
    private static boolean looksLikeTruncatedJpeg(byte[] bytes) {
        return bytes.length >= 4 && truncatedJpeg(bytes, java.util.Arrays.copyOfRange(bytes,
                Math.max(0, bytes.length - JPEG_TAIL), bytes.length));
    }

    /** A JPEG start (FF D8) with no end-of-image marker (FF D9) among the last bytes. */
    private static boolean truncatedJpeg(byte[] start, byte[] end) {
        if ((start[0] & 0xFF) != 0xFF || (start[1] & 0xFF) != 0xD8) {
            return false;
        }
        for (int i = end.length - 2; i >= 0; i--) {
            if ((end[i] & 0xFF) == 0xFF && (end[i + 1] & 0xFF) == 0xD9) {
                return false;
            }
        }
        return true;
    }

    /** Draws any image into 8-bit BGR; transparency becomes white. */
    static BufferedImage toBgr(BufferedImage image) {
        if (image.getType() == BufferedImage.TYPE_3BYTE_BGR) {
            return image;
        }
        BufferedImage bgr = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
        Graphics2D g = bgr.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, image.getWidth(), image.getHeight());
        g.drawImage(image, 0, 0, null);
        g.dispose();
        return bgr;
    }

    /** A short name for what the file held. */
    static String mode(ColorModel cm) {
        if (cm instanceof IndexColorModel) {
            return "indexed";
        }
        int bits = cm.getComponentSize(0);
        String depth = bits > 8 ? bits + "-bit " : "";
        int space = cm.getColorSpace().getType();
        String name;
        if (space == ColorSpace.TYPE_GRAY) {
            name = "grey";
        } else if (space == ColorSpace.TYPE_CMYK) {
            name = "CMYK";
        } else {
            name = cm.hasAlpha() ? "RGBA" : "RGB";
        }
        return depth + name;
    }
}
