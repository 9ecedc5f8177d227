package org.convlab.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link ClippingSearch} against what is known of quantizing these distributions: uniform values
 * are best not clipped at all (clipping costs more than finer steps gain), while for a Gaussian the
 * squared-error optimum with 127 steps a side lies near 4 standard deviations (Banner et al.,
 * "Post-training 4-bit quantization", give 3.92 for 8 bits), and a rare value further out does not
 * move it far.
 */
class ClippingSearchTest {

    @Test
    void uniformValuesKeepTheirWholeRange() {
        Random random = new Random(3);
        float[] v = new float[200_000];
        for (int i = 0; i < v.length; i++) {
            v[i] = random.nextFloat();
        }
        ClippingSearch search = new ClippingSearch(1f);
        search.add(Nd4j.createFromArray(v));
        assertTrue(search.limit(255) > 0.99f, "limit " + search.limit(255));
    }

    @Test
    void aGaussianIsClippedNearFourSigma() {
        Random random = new Random(5);
        float[] v = new float[400_000];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextGaussian();
        }
        v[7] = 8f;
        INDArray values = Nd4j.createFromArray(v);
        ClippingSearch search = new ClippingSearch(8f);
        search.add(values);
        float limit = search.limit(127);
        assertTrue(limit > 3.4f && limit < 4.6f, "limit " + limit + " sigma");
        // Zeros are exact on every grid and do not pull the limit.
        search.add(Nd4j.zeros(100_000));
        assertEquals(limit, search.limit(127), 1e-6f);
    }

    @Test
    void viewsOtherOrdersAndDoublesCountAsTheirValues() {
        Random random = new Random(9);
        float[] v = new float[60_000];
        for (int i = 0; i < v.length; i++) {
            // The first 150 rows Gaussian, the last 150 at the edge of the range.
            v[i] = i < v.length / 2 ? (float) random.nextGaussian() : (i % 2 == 0 ? 4.9f : -4.9f);
        }
        INDArray matrix = Nd4j.createFromArray(v).reshape(300, 200);
        ClippingSearch dense = new ClippingSearch(5f);
        dense.add(matrix.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 150), org.nd4j.linalg.indexing.NDArrayIndex.all()).dup());
        ClippingSearch view = new ClippingSearch(5f);
        view.add(matrix.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 150), org.nd4j.linalg.indexing.NDArrayIndex.all()));
        assertEquals(dense.limit(127), view.limit(127), 0f);
        ClippingSearch whole = new ClippingSearch(5f);
        whole.add(matrix);
        ClippingSearch transposed = new ClippingSearch(5f);
        transposed.add(matrix.transpose());
        ClippingSearch doubles = new ClippingSearch(5f);
        doubles.add(matrix.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE));
        assertEquals(whole.limit(127), transposed.limit(127), 0f);
        assertEquals(whole.limit(127), doubles.limit(127), 0f);
        // The view's rows alone are clipped well inside the range; the buffer behind it is not.
        assertTrue(view.limit(127) < 4.7f && whole.limit(127) > 4.8f, view.limit(127) + " vs " + whole.limit(127));
    }
}
