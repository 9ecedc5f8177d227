package org.convlab.data;

import org.convlab.ConvLabException;

import java.nio.file.Path;

/**
 * Where training or evaluation images come from, as a value ({@link DataSources#open} reads it):
 * a folder (class folders, a Fruits-360 root with {@code Training/} and {@code Test/}, or IDX
 * files), the Fashion-MNIST files of Debian's package, or generated shapes.
 *
 * <pre>{@code
 * DataSource fruits = DataSource.folder(Path.of("/data/fruits-360"));
 * DataSource shapes = DataSource.synthetic(4, 100);
 * DataSource same = DataSource.parse("synthetic:4:100");   // as the command line writes it
 * }</pre>
 */
public sealed interface DataSource permits DataSource.Folder, DataSource.FashionMnistFiles, DataSource.Synthetic {
    String FASHION_MNIST = "fashion-mnist";
    String SYNTHETIC = "synthetic";

    /** Class folders, a Fruits-360 root, or a folder of IDX files. */
    record Folder(Path path) implements DataSource {
        @Override
        public String toString() {
            return path.toString();
        }
    }

    /** The IDX files of Debian's {@code dataset-fashion-mnist} (or {@code CONVLAB_FASHION_MNIST}). */
    record FashionMnistFiles() implements DataSource {
        @Override
        public String toString() {
            return FASHION_MNIST;
        }
    }

    /** Generated coloured shapes: {@code classes} kinds, {@code perClass} training images of each. */
    record Synthetic(int classes, int perClass) implements DataSource {
        @Override
        public String toString() {
            return SYNTHETIC + ":" + classes + ":" + perClass;
        }
    }

    static DataSource folder(Path path) {
        return new Folder(path);
    }

    static DataSource fashionMnist() {
        return new FashionMnistFiles();
    }

    static DataSource synthetic(int classes, int perClass) {
        return new Synthetic(classes, perClass);
    }

    /** The command line's form: a path, {@code fashion-mnist}, {@code synthetic} or {@code synthetic:CLASSES:PER_CLASS}. */
    static DataSource parse(String text) {
        if (text == null || text.isBlank()) {
            throw new ConvLabException("no data source given; use a folder of class folders, fashion-mnist, an IDX folder"
                    + " or synthetic:CLASSES:PER_CLASS");
        }
        if (text.equals(FASHION_MNIST)) {
            return fashionMnist();
        }
        if (text.equals(SYNTHETIC)) {
            return synthetic(4, 100);
        }
        if (text.startsWith(SYNTHETIC + ":")) {
            String[] parts = text.split(":");
            try {
                if (parts.length != 3) {
                    throw new NumberFormatException();
                }
                return synthetic(Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
            } catch (NumberFormatException e) {
                throw new ConvLabException("'" + text + "' is not synthetic:CLASSES:PER_CLASS (for example synthetic:4:100)");
            }
        }
        return folder(Path.of(text));
    }
}
