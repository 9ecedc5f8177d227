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
 * DataSource few = DataSource.parse("fashion-mnist:classes=5-9:per-class=50");
 * }</pre>
 */
public sealed interface DataSource permits DataSource.Folder, DataSource.FashionMnistFiles, DataSource.Synthetic,
        DataSource.Subset {
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

    /**
     * Another source restricted to some classes ({@code classes}: names, indices or index ranges such as
     * {@code 5-9}, comma-separated; null keeps all) and at most {@code perClass} training images of each (null:
     * all). Validation and test data keep the same classes, all their images. The same text chooses the same
     * images (a fixed seed), whatever the training seed.
     */
    record Subset(DataSource base, String classes, Integer perClass) implements DataSource {
        public Subset {
            if (base instanceof Subset) {
                throw new IllegalArgumentException("a subset of a subset: give both filters to one");
            }
            if (perClass != null && perClass < 1) {
                throw new ConvLabException("per-class must be at least 1, received " + perClass);
            }
        }

        @Override
        public String toString() {
            return base + (classes != null ? ":classes=" + classes : "") + (perClass != null ? ":per-class=" + perClass : "");
        }
    }

    /** Where the images come from, filters aside: the base of a {@link Subset}, else this source. */
    default DataSource root() {
        return this instanceof Subset s ? s.base() : this;
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

    /**
     * The command line's form: a path, {@code fashion-mnist}, {@code synthetic} or {@code synthetic:CLASSES:PER_CLASS},
     * optionally followed by filters {@code :classes=LIST} and {@code :per-class=N} ({@link Subset}).
     */
    static DataSource parse(String text) {
        if (text == null || text.isBlank()) {
            throw new ConvLabException("no data source given; use a folder of class folders, fashion-mnist, an IDX folder"
                    + " or synthetic:CLASSES:PER_CLASS");
        }
        String[] parts = text.split(":", -1);
        int end = parts.length;
        String classes = null;
        Integer perClass = null;
        for (; end > 1 && parts[end - 1].matches("[A-Za-z-]+=.*"); end--) {
            String key = parts[end - 1].substring(0, parts[end - 1].indexOf('='));
            String value = parts[end - 1].substring(key.length() + 1);
            if (key.equals("classes") && classes == null && !value.isBlank()) {
                classes = value;
            } else if (key.equals("per-class") && perClass == null && value.matches("[0-9]{1,9}")) {
                perClass = Integer.parseInt(value);
            } else {
                throw new ConvLabException("'" + parts[end - 1] + "' in '" + text + "' is not a filter a data source takes;"
                        + " use classes=LIST (names, indices or ranges such as 5-9) and per-class=N, each at most once,"
                        + " for example fashion-mnist:classes=5-9:per-class=50");
            }
        }
        DataSource base = parseBase(String.join(":", java.util.Arrays.copyOf(parts, end)));
        return classes == null && perClass == null ? base : new Subset(base, classes, perClass);
    }

    private static DataSource parseBase(String text) {
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
