package org.convlab.data;

import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * How many images per second a source delivers (decode, resize, scale), on the calling thread,
 * the way training reads them. The first pass over {@code warmupImages} is not timed.
 */
public final class DataThroughput {
    private DataThroughput() {
    }

    /** Result: images read in the timed part and seconds taken. */
    public record Measurement(long images, double seconds) {
        public double imagesPerSecond() {
            return images / seconds;
        }
    }

    public static Measurement measure(ImageSource source, int batchSize, double seconds, int warmupImages) {
        DataSetIterator it = source.iterator(batchSize, true, 7);
        long seen = 0;
        while (seen < warmupImages) {
            seen += nextBatch(it).numExamples();
        }
        long images = 0;
        long start = System.nanoTime();
        long limit = (long) (seconds * 1e9);
        while (System.nanoTime() - start < limit) {
            images += nextBatch(it).numExamples();
        }
        return new Measurement(images, (System.nanoTime() - start) / 1e9);
    }

    private static DataSet nextBatch(DataSetIterator it) {
        if (!it.hasNext()) {
            it.reset();
        }
        return it.next();
    }
}
