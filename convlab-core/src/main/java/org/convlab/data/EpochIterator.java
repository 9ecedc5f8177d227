package org.convlab.data;

import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.List;
import java.util.function.IntFunction;

/**
 * A {@link DataSetIterator} that builds a fresh inner iterator for every epoch, so each
 * {@link #reset()} can bring a new seeded order and new augmentation draws.
 */
final class EpochIterator implements DataSetIterator {
    private final int batchSize;
    private final List<String> labels;
    private final IntFunction<DataSetIterator> forEpoch;
    private DataSetIterator current;
    private int epoch;
    private DataSetPreProcessor preProcessor;

    EpochIterator(int batchSize, List<String> labels, IntFunction<DataSetIterator> forEpoch) {
        this.batchSize = batchSize;
        this.labels = labels;
        this.forEpoch = forEpoch;
        this.current = forEpoch.apply(0);
    }

    @Override
    public DataSet next(int num) {
        DataSet ds = current.next(num);
        if (preProcessor != null) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    @Override
    public DataSet next() {
        return next(batchSize);
    }

    @Override
    public boolean hasNext() {
        return current.hasNext();
    }

    @Override
    public void reset() {
        epoch++;
        current = forEpoch.apply(epoch);
    }

    @Override
    public int inputColumns() {
        return current.inputColumns();
    }

    @Override
    public int totalOutcomes() {
        return labels.size();
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return true;
    }

    @Override
    public int batch() {
        return batchSize;
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public List<String> getLabels() {
        return labels;
    }
}
