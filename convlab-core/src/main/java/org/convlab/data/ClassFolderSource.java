package org.convlab.data;

import org.convlab.arch.InputShape;
import org.datavec.api.io.labels.ParentPathLabelGenerator;
import org.datavec.api.split.CollectionInputSplit;
import org.datavec.image.recordreader.ImageRecordReader;
import org.datavec.image.transform.ImageTransform;
import org.deeplearning4j.datasets.datavec.RecordReaderDataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Images in class folders, read through DataVec: an {@link ImageRecordReader} with a
 * {@link ParentPathLabelGenerator} over the scanned, usable files ({@link FolderScan}), a
 * {@link RecordReaderDataSetIterator}, and the source's {@link Preprocessor} on every batch. Images
 * are resized to {@link #shape()} and decoded by {@link ConvLabImageLoader}.
 */
public final class ClassFolderSource implements ImageSource {
    private final String description;
    private final List<String> labels;
    private final List<ImageFile> files;
    private final InputShape shape;
    private final List<Problem> problems;
    private final Long augmentSeed;
    private final Preprocessor preprocessor;

    private ClassFolderSource(String description, List<String> labels, List<ImageFile> files, InputShape shape,
                              List<Problem> problems, Long augmentSeed, Preprocessing preprocessing) {
        this.description = description;
        this.labels = List.copyOf(labels);
        this.files = List.copyOf(files);
        this.shape = shape;
        this.problems = List.copyOf(problems);
        this.augmentSeed = augmentSeed;
        this.preprocessor = new Preprocessor(preprocessing != null ? preprocessing : Preprocessing.standard(shape));
    }

    /** All usable images of a scan, resized to {@code shape}. */
    public static ClassFolderSource of(ScanReport scan, InputShape shape) {
        return new ClassFolderSource(scan.root().toString(), scan.labels(), scan.usable(), shape, scan.problems(), null, null);
    }

    /** The same files under another label list (a validation folder must use the training labels). */
    public ClassFolderSource withLabels(List<String> newLabels) {
        return new ClassFolderSource(description, newLabels, files, shape, problems, augmentSeed, preprocessing());
    }

    @Override
    public Preprocessing preprocessing() {
        return preprocessor.steps();
    }

    @Override
    public ImageSource withPreprocessing(Preprocessing steps) {
        return new ClassFolderSource(description, labels, files, shape, problems, augmentSeed, Sources.sameSize(steps, shape));
    }

    public List<ImageFile> files() {
        return files;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public List<String> labels() {
        return labels;
    }

    @Override
    public InputShape shape() {
        return shape;
    }

    @Override
    public int size() {
        return files.size();
    }

    @Override
    public boolean readsFiles() {
        return true;
    }

    @Override
    public int[] classCounts() {
        return Stratified.counts(labelIndices(), labels.size());
    }

    @Override
    public List<Problem> problems() {
        return problems;
    }

    private int[] labelIndices() {
        return files.stream().mapToInt(f -> labels.indexOf(f.label())).toArray();
    }

    private ClassFolderSource subset(int[] indices, String what) {
        List<ImageFile> chosen = new ArrayList<>();
        for (int i : indices) {
            chosen.add(files.get(i));
        }
        return new ClassFolderSource(description + " (" + what + ")", labels, chosen, shape, problems, augmentSeed, preprocessing());
    }

    @Override
    public ImageSource augmented(long seed) {
        return new ClassFolderSource(description, labels, files, shape, problems, seed, preprocessing());
    }

    @Override
    public ImageSource limit(int n, long seed) {
        int[] chosen = Stratified.limit(labelIndices(), labels.size(), n, seed);
        return chosen.length == files.size() ? this : subset(chosen, "limit " + chosen.length);
    }

    @Override
    public ImageSource classes(List<String> keep) {
        int[] chosen = Stratified.ofClasses(labelIndices(), labels, keep)[0];
        return subset(chosen, "classes " + String.join(", ", keep)).withLabels(keep);
    }

    @Override
    public ImageSource perClass(int n, long seed) {
        return subset(Stratified.perClass(labelIndices(), labels.size(), n, seed), n + " per class");
    }

    @Override
    public Split split(double fraction, long seed) {
        int[][] parts = Stratified.split(labelIndices(), labels.size(), fraction, seed);
        return new Split(subset(parts[0], "split"), subset(parts[1], "held out " + fraction));
    }

    @Override
    public DataSetIterator iterator(int batchSize, boolean shuffle, long seed) {
        return new EpochIterator(batchSize, labels, epoch -> {
            List<URI> order = new ArrayList<>(files.size());
            int[] perm = shuffle ? Stratified.permutation(files.size(), seed + epoch) : null;
            for (int i = 0; i < files.size(); i++) {
                order.add(files.get(perm == null ? i : perm[i]).path().toUri());
            }
            ImageTransform transform = augmentSeed == null ? null
                    : Augmentation.pipeline(augmentSeed + epoch, shape.height(), shape.width());
            ImageRecordReader reader = new Reader(shape, transform);
            try {
                reader.initialize(new CollectionInputSplit(order));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            // Fix the label order: a subset may lack a class, and indices must not shift.
            reader.setLabels(new ArrayList<>(labels));
            RecordReaderDataSetIterator it = new RecordReaderDataSetIterator(reader, batchSize, 1, labels.size());
            it.setPreProcessor(preprocessor.asDataSetPreProcessor());
            return it;
        });
    }

    /** DataVec's image reader with ConvLab's decoder. */
    private static final class Reader extends ImageRecordReader {
        Reader(InputShape shape, ImageTransform transform) {
            super(shape.height(), shape.width(), shape.channels(), new ParentPathLabelGenerator(), transform);
            this.imageLoader = new ConvLabImageLoader(shape.height(), shape.width(), shape.channels(), transform);
        }
    }
}
