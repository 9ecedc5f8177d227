package org.convlab.runtime.dnnl;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Agreement between two implementations, relative to the largest value expected. */
final class Close {
    private Close() {
    }

    static void assertClose(INDArray expected, INDArray actual, double relative, String what) {
        double scale = Math.max(1e-6, expected.amaxNumber().doubleValue());
        double diff = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(diff <= relative * scale, what + ": max difference " + diff + " against a scale of " + scale);
    }
}
