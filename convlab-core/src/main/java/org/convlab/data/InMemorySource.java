package org.convlab.data;

import org.convlab.arch.InputShape;
import org.datavec.image.transform.ImageTransform;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Examples held in memory as one NCHW array of raw 0..255 pixels in DataVec's loader order (IDX
 * files as 8-bit values, a quarter of the memory of floats; generated shapes as floats); each batch
 * becomes float and goes through the source's {@link Preprocessor} on its way out. Augmentation
 * runs each example through the same DataVec transforms as image folders.
 */
public final class InMemorySource implements ImageSource {
    private final String description;
    private final List<String> labels;
    private final INDArray features;
    private final int[] labelIndex;
    private final Long augmentSeed;
    private final Preprocessor preprocessor;

    /**
     * {@code pixels} is [N, C, H, W] of 0..255 values (BGR for colour), float or UINT8;
     * {@code labelIndex[i]} indexes {@code labels}; batches come out as ConvLab's
     * {@link Preprocessing#standard}.
     */
    public InMemorySource(String description, List<String> labels, INDArray pixels, int[] labelIndex) {
        this(description, labels, pixels, labelIndex, null, null);
    }

    private InMemorySource(String description, List<String> labels, INDArray features, int[] labelIndex, Long augmentSeed,
                           Preprocessing preprocessing) {
        if (features.size(0) != labelIndex.length) {
            throw new IllegalArgumentException(features.size(0) + " examples but " + labelIndex.length + " labels");
        }
        this.description = description;
        this.labels = List.copyOf(labels);
        this.features = features;
        this.labelIndex = labelIndex.clone();
        this.augmentSeed = augmentSeed;
        this.preprocessor = new Preprocessor(preprocessing != null ? preprocessing : Preprocessing.standard(shape()));
    }

    /** Every example as the network receives it (preprocessed), in order: [N, C, H, W]. */
    public INDArray features() {
        return preprocessor.normalize(asFloat(features));
    }

    /** A float copy of {@code pixels} (a view of {@link #features}), which the preprocessing may change in place. */
    private static INDArray asFloat(INDArray pixels) {
        return pixels.dataType() == DataType.FLOAT ? pixels.dup() : pixels.castTo(DataType.FLOAT);
    }

    @Override
    public Preprocessing preprocessing() {
        return preprocessor.steps();
    }

    @Override
    public ImageSource withPreprocessing(Preprocessing steps) {
        return new InMemorySource(description, labels, features, labelIndex, augmentSeed, Sources.sameSize(steps, shape()));
    }

    public int[] labelIndex() {
        return labelIndex.clone();
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
        return new InputShape((int) features.size(2), (int) features.size(3), (int) features.size(1));
    }

    @Override
    public int size() {
        return labelIndex.length;
    }

    @Override
    public boolean readsFiles() {
        return false;
    }

    @Override
    public int[] classCounts() {
        return Stratified.counts(labelIndex, labels.size());
    }

    @Override
    public List<Problem> problems() {
        return List.of();
    }

    private InMemorySource subset(int[] indices, String what) {
        INDArray chosen = Nd4j.pullRows(features.reshape(features.size(0), -1), 1, indices)
                .reshape(indices.length, features.size(1), features.size(2), features.size(3));
        int[] chosenLabels = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            chosenLabels[i] = labelIndex[indices[i]];
        }
        return new InMemorySource(description + " (" + what + ")", labels, chosen, chosenLabels, augmentSeed, preprocessing());
    }

    @Override
    public ImageSource augmented(long seed) {
        return new InMemorySource(description, labels, features, labelIndex, seed, preprocessing());
    }

    @Override
    public ImageSource limit(int n, long seed) {
        int[] chosen = Stratified.limit(labelIndex, labels.size(), n, seed);
        return chosen.length == size() ? this : subset(chosen, "limit " + chosen.length);
    }

    @Override
    public ImageSource classes(List<String> keep) {
        int[][] chosen = Stratified.ofClasses(labelIndex, labels, keep);
        InMemorySource only = subset(chosen[0], "classes " + String.join(", ", keep));
        return new InMemorySource(only.description, keep, only.features, chosen[1], augmentSeed, preprocessing());
    }

    @Override
    public ImageSource perClass(int n, long seed) {
        return subset(Stratified.perClass(labelIndex, labels.size(), n, seed), n + " per class");
    }

    @Override
    public Split split(double fraction, long seed) {
        int[][] parts = Stratified.split(labelIndex, labels.size(), fraction, seed);
        return new Split(subset(parts[0], "split"), subset(parts[1], "held out " + fraction));
    }

    @Override
    public DataSetIterator iterator(int batchSize, boolean shuffle, long seed) {
        if (batchSize < 1) {
            throw new org.convlab.ConvLabException("batch size must be at least 1, received " + batchSize);
        }
        return new EpochIterator(batchSize, labels, epoch -> new Batches(batchSize,
                shuffle ? Stratified.permutation(size(), seed + epoch) : null,
                augmentSeed == null ? null : new Augmenter(Augmentation.pipeline(augmentSeed + epoch,
                        (int) features.size(2), (int) features.size(3)), shape())));
    }

    /** One epoch of batches in a given order. */
    private final class Batches extends org.nd4j.linalg.dataset.api.iterator.BaseDatasetIterator {
        private final int[] order;
        private final Augmenter augmenter;
        private int cursor;

        Batches(int batch, int[] order, Augmenter augmenter) {
            super(batch, size(), null);
            this.order = order;
            this.augmenter = augmenter;
        }

        @Override
        public boolean hasNext() {
            return cursor < size();
        }

        @Override
        public DataSet next(int num) {
            int n = Math.min(num, size() - cursor);
            INDArray x;
            int[] rows = new int[n];
            for (int i = 0; i < n; i++) {
                rows[i] = order == null ? cursor + i : order[cursor + i];
            }
            if (order == null) {
                x = asFloat(features.get(NDArrayIndex.interval(cursor, cursor + n)));
            } else {
                x = Nd4j.pullRows(features.reshape(features.size(0), -1), 1, rows)
                        .reshape(n, features.size(1), features.size(2), features.size(3)).castTo(DataType.FLOAT);
            }
            INDArray y = Nd4j.zeros(DataType.FLOAT, n, labels.size());
            for (int i = 0; i < n; i++) {
                y.putScalar(i, labelIndex[rows[i]], 1f);
            }
            if (augmenter != null) {
                augmenter.apply(x);
            }
            cursor += n;
            return new DataSet(preprocessor.normalize(x), y);
        }

        @Override
        public void reset() {
            cursor = 0;
        }

        @Override
        public DataSet next() {
            return next(batch);
        }
    }

    /** Runs DataVec transforms over in-memory examples: to an 8-bit image, transform, back. */
    private static final class Augmenter {
        private final ImageTransform transform;
        private final ConvLabImageLoader loader;

        Augmenter(ImageTransform transform, InputShape shape) {
            this.transform = transform;
            this.loader = new ConvLabImageLoader(shape.height(), shape.width(), shape.channels());
        }

        void apply(INDArray batch) {
            try {
                for (int i = 0; i < batch.size(0); i++) {
                    INDArray example = batch.get(NDArrayIndex.point(i));
                    INDArray image = example.reshape(1, batch.size(1), batch.size(2), batch.size(3));
                    example.assign(loader.transform(image, transform).reshape(example.shape()));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
