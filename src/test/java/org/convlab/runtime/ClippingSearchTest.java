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
}
