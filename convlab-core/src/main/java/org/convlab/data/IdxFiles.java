package org.convlab.data;

import org.convlab.ConvLabException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The IDX format of MNIST and Fashion-MNIST, plain or gzipped: a big-endian header (magic
 * {@code 0x00000803} for images with count, rows and columns; {@code 0x00000801} for labels with
 * count), then one unsigned byte per pixel or label.
 */
public final class IdxFiles {
    static final int IMAGES_MAGIC = 0x00000803;
    static final int LABELS_MAGIC = 0x00000801;

    private IdxFiles() {
    }

    /** Images as [N, 1, rows, cols] UINT8, the stored 0..255 values. */
    public static INDArray readImages(Path file) {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != IMAGES_MAGIC) {
                throw new ConvLabException(file + " is not an IDX image file (magic 0x" + Integer.toHexString(magic)
                        + ", expected 0x803)");
            }
            int n = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (n < 1 || rows < 1 || cols < 1 || (long) n * rows * cols > Integer.MAX_VALUE) {
                throw new ConvLabException(file + " declares " + n + " images of " + rows + "x" + cols + "; that is not a usable IDX image file");
            }
            byte[] pixels = new byte[n * rows * cols];
            in.readFully(pixels);
            INDArray images = Nd4j.createUninitialized(DataType.UINT8, n, 1, rows, cols);
            images.data().asNio().put(pixels);
            return images;
        } catch (EOFException e) {
            throw new ConvLabException(file + " ends before all the images its header declares; the file is truncated");
        } catch (IOException e) {
            throw new ConvLabException("cannot read " + file + ": " + e.getMessage());
        }
    }

    /** Labels as class indices. */
    public static int[] readLabels(Path file) {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != LABELS_MAGIC) {
                throw new ConvLabException(file + " is not an IDX label file (magic 0x" + Integer.toHexString(magic)
                        + ", expected 0x801)");
            }
            int n = in.readInt();
            if (n < 1) {
                throw new ConvLabException(file + " declares " + n + " labels");
            }
            byte[] raw = new byte[n];
            in.readFully(raw);
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = raw[i] & 0xFF;
            }
            return labels;
        } catch (EOFException e) {
            throw new ConvLabException(file + " ends before all the labels its header declares; the file is truncated");
        } catch (IOException e) {
            throw new ConvLabException("cannot read " + file + ": " + e.getMessage());
        }
    }

    /**
     * Images and labels as one source; checks that they pair up and that labels fit the class
     * names. With {@code classNames} null the names are the numbers 0 to the largest label.
     */
    public static InMemorySource read(Path images, Path labels, List<String> classNames, String description) {
        INDArray x = readImages(images);
        int[] y = readLabels(labels);
        if (classNames == null) {
            int max = java.util.Arrays.stream(y).max().orElse(0);
            classNames = java.util.stream.IntStream.rangeClosed(0, Math.max(max, 1)).mapToObj(String::valueOf).toList();
        }
        if (x.size(0) != y.length) {
            throw new ConvLabException(images + " holds " + x.size(0) + " images but " + labels + " holds " + y.length + " labels");
        }
        for (int label : y) {
            if (label >= classNames.size()) {
                throw new ConvLabException(labels + " has label " + label + " but only " + classNames.size() + " class names");
            }
        }
        return new InMemorySource(description, classNames, x, y);
    }

    /** Opens plain or gzipped (recognised by its 1f 8b header) files alike. */
    private static DataInputStream open(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new ConvLabException(file + " does not exist or is not a file");
        }
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        raw.mark(2);
        int b1 = raw.read();
        int b2 = raw.read();
        raw.reset();
        InputStream in = b1 == 0x1f && b2 == 0x8b ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw;
        return new DataInputStream(in);
    }
}
