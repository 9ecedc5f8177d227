package org.convlab.ops;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class DenseFlattenTest {

    @Test
    void tutorialsDenseParameterCount() {
        // "(9216 * 1024) + 1024 = 9,438,208 weights"
        assertEquals(9_438_208L, Dense.paramCount(Flatten.outputSize(6, 6, 256), 1024));
        assertEquals(61_500L, Dense.paramCount(1024, 60));
    }

    @Test
    void flattenKeepsRowColumnChannelOrder() {
        Volume v = new Volume(2, 2, 2);
        v.set(0, 1, 1, 5);
        v.set(1, 0, 0, 7);
        // index = (row * width + col) * channels + channel
        double[] flat = Flatten.apply(v);
        assertEquals(8, flat.length);
        assertEquals(5, flat[3]);
        assertEquals(7, flat[4]);
    }

    @Test
    void denseIsWeightedSumPlusBias() {
        double[] y = Dense.apply(new double[] {1, 2}, new double[][] {{1, 0, 2}, {3, 1, -1}}, new double[] {0.5, 0, 1});
        assertArrayEquals(new double[] {1 + 6 + 0.5, 2, 2 - 2 + 1}, y);
    }
}
