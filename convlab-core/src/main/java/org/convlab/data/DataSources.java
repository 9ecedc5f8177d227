package org.convlab.data;

import org.convlab.BadSettingException;
import org.convlab.ConvLabException;
import org.convlab.Setting;
import org.convlab.arch.InputShape;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Opens a {@link DataSource}: reads what it names, checks it, and brings images to {@code shape}
 * (class folders, generated data; null: the data's own, the most common image size, grey only
 * when every image is grey).
 *
 * <pre>{@code
 * DataSources.Bundle fashion = DataSources.open(DataSource.fashionMnist(), null);
 * ImageSource train = fashion.train();    // 60,000 images; fashion.test(): 10,000
 * }</pre>
 */
public final class DataSources {
    /** The command line's names, kept here for the commands that print them. */
    public static final String FASHION_MNIST = DataSource.FASHION_MNIST;
    public static final String SYNTHETIC = DataSource.SYNTHETIC;
    static final InputShape SYNTHETIC_DEFAULT_SHAPE = new InputShape(32, 32, 3);

    private DataSources() {
    }

    /** Training data, and validation and test data where the source has them (else null). */
    public record Bundle(ImageSource train, ImageSource validation, ImageSource test) {
    }

    public static Bundle open(DataSource source, InputShape shape) {
        if (source instanceof DataSource.Subset s) {
            return subset(s, open(s.base(), shape));
        }
        if (source instanceof DataSource.Synthetic s) {
            return synthetic(s, shape);
        }
        if (source instanceof DataSource.Folder f) {
            return folderSource(f.path(), shape);
        }
        if (!FashionMnist.isInstalled()) {
            throw new ConvLabException("Fashion-MNIST is not installed at " + FashionMnist.dir() + "; install it with"
                    + " 'apt-get install -y " + FashionMnist.PACKAGE + "' (as root), or set CONVLAB_FASHION_MNIST to a folder"
                    + " of its IDX files");
        }
        return requireShape(IdxFolder.open(FashionMnist.dir(), FASHION_MNIST), shape, source.toString());
    }

    /**
     * As {@link #open}, for images that are searched or measured rather than trained on: a folder of class folders
     * may hold a single class.
     */
    public static Bundle openForSearch(DataSource source, InputShape shape) {
        if (source instanceof DataSource.Folder f && resizes(f) && child(f.path(), "Training") == null) {
            FolderScan.requireFolder(f.path());
            return new Bundle(folder(f.path(), shape), null, null);
        }
        return open(source, shape);
    }

    /** Whether {@link #open} brings the source's images to a requested shape (class folders, generated data); IDX data is not resized. */
    public static boolean resizes(DataSource source) {
        DataSource root = source.root();
        return root instanceof DataSource.Synthetic || root instanceof DataSource.Folder f && !IdxFolder.looksLikeIdx(f.path());
    }

    /** The seed of a {@link DataSource.Subset}'s choice of images: fixed, so one text always means one set. */
    private static final long SUBSET_SEED = 20_261_206L;

    private static Bundle subset(DataSource.Subset s, Bundle all) {
        ImageSource train = all.train();
        ImageSource validation = all.validation();
        ImageSource test = all.test();
        if (s.classes() != null) {
            List<String> keep = ClassSelection.resolve(s.classes(), train.labels(), s.base().toString());
            if (keep.size() < 2) {
                throw new ConvLabException("classes=" + s.classes() + " keeps one class (" + keep.get(0) + ") of "
                        + s.base() + "; a classifier needs at least two");
            }
            train = train.classes(keep);
            validation = validation == null ? null : validation.classes(keep);
            test = test == null ? null : test.classes(keep);
        }
        if (s.perClass() != null) {
            train = train.perClass(s.perClass(), SUBSET_SEED);
        }
        return new Bundle(train, validation, test);
    }

    private static Bundle folderSource(Path path, InputShape shape) {
        FolderScan.requireFolder(path);
        if (IdxFolder.looksLikeIdx(path)) {
            return requireShape(IdxFolder.open(path, path.getFileName().toString()), shape, path.toString());
        }
        Path training = child(path, "Training");
        if (training != null) {
            ClassFolderSource train = trainingFolder(training, shape);
            Path validation = child(path, "Validation");
            Path test = child(path, "Test");
            return new Bundle(train,
                    validation == null ? null : alignLabels(folder(validation, train.shape()), train.labels(), "the training data"),
                    test == null ? null : alignLabels(folder(test, train.shape()), train.labels(), "the training data"));
        }
        return new Bundle(trainingFolder(path, shape), null, null);
    }

    /** IDX images come at their stored size; a different --input is refused rather than silently ignored. */
    private static Bundle requireShape(Bundle idx, InputShape shape, String src) {
        InputShape own = idx.train().shape();
        if (shape != null && !shape.equals(own)) {
            throw new BadSettingException(Setting.INPUT, BadSettingException.literal(src) + " holds " + own
                    + " images and IDX data is not resized; leave %s out (or make it " + own
                    + "), or export it to class folders with 'convlab data export' and resize those");
        }
        return idx;
    }

    private static Path child(Path root, String name) {
        Path p = root.resolve(name);
        return Files.isDirectory(p) ? p : null;
    }

    /** A class-folder tree as a source; fails when nothing usable is left. */
    public static ClassFolderSource folder(Path root, InputShape shape) {
        ScanReport scan = FolderScan.scan(root);
        if (scan.usable().isEmpty()) {
            throw new ConvLabException(root + " holds no usable images (" + scan.problems().size() + " problem(s); run 'convlab data inspect "
                    + root + "' to list them)");
        }
        return ClassFolderSource.of(scan, shape != null ? shape : nativeShape(scan));
    }

    /** Training data must also hold at least two classes. */
    static ClassFolderSource trainingFolder(Path root, InputShape shape) {
        ClassFolderSource source = folder(root, shape);
        if (source.labels().size() < 2) {
            throw new ConvLabException(root + " holds one class (" + source.labels().get(0) + "); a classifier needs at least two class folders");
        }
        return source;
    }

    /** The most common image size, with 1 channel when every image is grey, else 3. */
    static InputShape nativeShape(ScanReport scan) {
        Map<String, Integer> sizes = new TreeMap<>(scan.sizes());
        String common = sizes.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        String[] wh = common.split("x");
        boolean allGrey = scan.modes().keySet().stream().allMatch(m -> m.endsWith("grey"));
        return new InputShape(Integer.parseInt(wh[1]), Integer.parseInt(wh[0]), allGrey ? 1 : 3);
    }

    /**
     * {@code other} re-expressed in {@code labels}' order, for validation, test or evaluation data:
     * it may lack classes but must not have others. {@code whose} names the reference in messages
     * ("the training data", "the model").
     */
    public static ImageSource alignLabels(ImageSource other, List<String> labels, String whose) {
        List<String> extra = other.labels().stream().filter(l -> !labels.contains(l)).toList();
        if (!extra.isEmpty()) {
            throw new ConvLabException(other.description() + " has classes " + whose + " lacks: " + extra
                    + "; " + whose + "'s classes: " + labels);
        }
        if (other.labels().equals(labels)) {
            return other;
        }
        if (other instanceof ClassFolderSource folder) {
            return folder.withLabels(labels);
        }
        throw new ConvLabException(other.description() + " orders its classes " + other.labels() + ", " + whose + " " + labels);
    }

    private static Bundle synthetic(DataSource.Synthetic src, InputShape shape) {
        int classes = src.classes();
        int perClass = src.perClass();
        InputShape s = shape != null ? shape : SYNTHETIC_DEFAULT_SHAPE;
        int testPerClass = Math.max(1, perClass / 5);
        return new Bundle(
                SyntheticShapes.generate(classes, perClass, s, 1, "synthetic:" + classes + ":" + perClass + " train"),
                null,
                SyntheticShapes.generate(classes, testPerClass, s, 2, "synthetic:" + classes + ":" + testPerClass + " test"));
    }
}
