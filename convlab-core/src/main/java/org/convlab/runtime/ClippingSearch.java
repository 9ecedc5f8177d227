package org.convlab.runtime;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;

/**
 * Where to clip a layer's input before int8 quantization: the limit T that minimizes the expected
 * squared error over the values seen, between rounding every value inside [-T, T] to one of
 * {@code steps} steps (T / steps apart, an error of step^2 / 12 on average) and clipping every value
 * beyond it (its distance to T, squared). Batch norm puts a few values ten or more standard
 * deviations out; taking their extreme as the range spends most of the 255 steps on values that
 * hardly occur. PyTorch's {@code HistogramObserver} searches the same error on a histogram.
 *
 * <pre>{@code
 * ClippingSearch search = new ClippingSearch(14.6f);   // the largest magnitude seen
 * batches.forEach(search::add);                        // a histogram of |x| over [0, 14.6]
 * float t = search.limit(127);                          // s8: 127 steps on each side of zero
 * }</pre>
 */
final class ClippingSearch {
    private static final int BINS = 2048;
    private final float largest;
    private final long[] counts = new long[BINS];
    private final float[] chunk = new float[1 << 14];

    /** @param largest the largest magnitude the values take (a first pass over them) */
    ClippingSearch(float largest) {
        this.largest = largest;
    }

    /**
     * Counts {@code values}' magnitudes; zeros are left out (every grid holds them exactly). They are
     * read where they lie through one small reused chunk, not copied to the heap whole: the copies of
     * a calibration filled half a gigabyte of fresh heap pages. The chunk is for speed: a loop over
     * an array is what the C1 compiler (the launcher's JIT for training) makes fast, not one over a
     * buffer's get (the main job's calibration 2.2-2.7 s, half of it here).
     */
    void add(INDArray values) {
        if (largest <= 0) {
            return;
        }
        INDArray dense = values.dataType() == DataType.FLOAT ? values : values.castTo(DataType.FLOAT);
        if (dense.isView() || dense.ordering() != 'c') {
            dense = dense.dup('c');
        }
        FloatBuffer v = dense.data().asNioFloat();
        float perBin = BINS / largest;
        for (int start = 0, n = (int) dense.length(); start < n; start += chunk.length) {
            int m = Math.min(chunk.length, n - start);
            v.get(start, chunk, 0, m);
            for (int i = 0; i < m; i++) {
                float x = chunk[i];
                if (x != 0) {
                    counts[Math.min(BINS - 1, (int) (Math.abs(x) * perBin))]++;
                }
            }
        }
    }

    /** The limit with the least expected squared error for {@code steps} steps on [0, T]: at most the largest magnitude. */
    float limit(int steps) {
        if (largest <= 0) {
            return largest;
        }
        double width = largest / BINS;
        double best = Double.MAX_VALUE;
        int bestEdge = BINS;
        // Candidates: every bin edge from 1/16 of the largest magnitude up, the largest itself included.
        for (int edge = BINS / 16; edge <= BINS; edge++) {
            double t = edge * width;
            double step = t / steps;
            double error = 0;
            for (int i = 0; i < BINS; i++) {
                if (counts[i] == 0) {
                    continue;
                }
                double centre = (i + 0.5) * width;
                error += centre <= t ? counts[i] * step * step / 12 : counts[i] * (centre - t) * (centre - t);
            }
            if (error < best) {
                best = error;
                bestEdge = edge;
            }
        }
        return (float) (bestEdge * width);
    }
}
