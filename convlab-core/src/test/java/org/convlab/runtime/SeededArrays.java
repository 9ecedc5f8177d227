package org.convlab.runtime;

import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Test inputs that are the same on every call: uniform in [-0.5, 0.5) from {@code java.util.Random}
 * (ND4J's own generator, reseeded, did not repeat its values between two calls in one JVM).
 */
public final class SeededArrays {
    private SeededArrays() {
    }

    /** A float array of {@code shape}, uniform in [-0.5, 0.5), the same for the same seed. */
    public static INDArray centred(long seed, long... shape) {
        Random random = new Random(seed);
        long count = 1;
        for (long d : shape) {
            count *= d;
        }
        float[] values = new float[(int) count];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextFloat() - 0.5f;
        }
        return Nd4j.create(values, shape, DataType.FLOAT);
    }
}
