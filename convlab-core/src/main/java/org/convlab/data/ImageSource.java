package org.convlab.data;

import org.convlab.arch.InputShape;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.List;

/**
 * A labelled image set that training and evaluation read in mini-batches: NCHW features as
 * {@link #preprocessing()} makes them, one-hot labels in the order of {@link #labels()}.
 *
 * <pre>{@code
 * ImageSource train = DataSources.open("fashion-mnist", null).train();
 * DataSetIterator batches = train.iterator(32, true, 42);   // shuffled per epoch, seeded
 * }</pre>
 */
public interface ImageSource {

    /** What this is, for logs and model cards: "fashion-mnist train", "/data/fruits/Training". */
    String description();

    /** Class names; a label's index is its position here. */
    List<String> labels();

    /** The shape of one example as the iterator delivers it. */
    InputShape shape();

    /** How pixels become the features the iterator delivers. */
    Preprocessing preprocessing();

    /**
     * The same images prepared another way (a stored model's own channel order and divisor); the
     * size must be the source's {@link #shape()}.
     */
    ImageSource withPreprocessing(Preprocessing steps);

    /** Number of examples. */
    int size();

    /**
     * Whether each batch is read and decoded from files, work a prefetch thread can overlap with
     * training; false for images already in memory, where a second thread only takes a core.
     */
    boolean readsFiles();

    /** Examples per class, in label order. */
    int[] classCounts();

    /** Files left out and why (empty for generated and IDX data). */
    List<Problem> problems();

    /**
     * Mini-batches over the whole set. With {@code shuffle}, each epoch (each {@code reset()})
     * uses a new order derived from {@code seed}, the same for the same seed.
     */
    DataSetIterator iterator(int batchSize, boolean shuffle, long seed);

    /** The same examples, randomly flipped, rotated, shifted and brightened while read (seeded). */
    ImageSource augmented(long seed);

    /** At most {@code n} examples, the same share taken from each class (seeded). */
    ImageSource limit(int n, long seed);

    /**
     * Only the examples of {@code keep} (a subset of {@link #labels()}), labelled in {@code keep}'s order:
     * a model trained on them has exactly these classes.
     */
    ImageSource classes(List<String> keep);

    /** At most {@code n} examples of each class, chosen at random (seeded). */
    ImageSource perClass(int n, long seed);

    /** A stratified split: {@code fraction} of each class goes to the second part (seeded). */
    Split split(double fraction, long seed);

    /** The two parts of {@link #split}. */
    record Split(ImageSource first, ImageSource second) {
    }
}
