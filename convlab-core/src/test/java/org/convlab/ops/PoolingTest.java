package org.convlab.ops;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class PoolingTest {
    static final double[][] X = {{1, 3, 2, 4}, {5, 7, 6, 8}, {9, 11, 10, 12}, {13, 15, 14, 16}};

    private static double[][] pool(PoolType type, int size, int stride, Padding padding) {
        return Pooling.of(type).optSize(size).optStride(stride).optPadding(padding).build().apply(Volume.of(X)).channel(0);
    }

    @Test
    void twoByTwoStrideTwo() {
        assertArrayEquals(new double[][] {{7, 8}, {15, 16}}, pool(PoolType.MAX, 2, 2, Padding.VALID));
        // (1+3+5+7)/4, (2+4+6+8)/4, (9+11+13+15)/4, (10+12+14+16)/4
        assertArrayEquals(new double[][] {{4, 5}, {12, 13}}, pool(PoolType.AVG, 2, 2, Padding.VALID));
        assertArrayEquals(new double[][] {{16, 20}, {48, 52}}, pool(PoolType.SUM, 2, 2, Padding.VALID));
    }

    @Test
    void defaultsAreKeras2x2Stride2Valid() {
        assertArrayEquals(new double[][] {{7, 8}, {15, 16}}, Pooling.of(PoolType.MAX).build().apply(Volume.of(X)).channel(0));
    }

    @Test
    void samePaddedAverageDividesByRealCellsOnly() {
        double[][] avg = pool(PoolType.AVG, 3, 1, Padding.SAME);
        assertEquals(4, avg.length);
        // Corner window covers 1, 3, 5, 7 and five padding cells: (1+3+5+7)/4, not /9.
        assertEquals(4.0, avg[0][0]);
        // Interior window (rows 0..2, cols 0..2): 1+3+2+5+7+6+9+11+10 = 54, /9.
        assertEquals(6.0, avg[1][1]);
        assertEquals(16.0, pool(PoolType.MAX, 3, 1, Padding.SAME)[3][3]);
        assertEquals(1 + 3 + 5 + 7, pool(PoolType.SUM, 3, 1, Padding.SAME)[0][0]);
    }

    @Test
    void oddSideTruncatesUnderValidAndRoundsUpUnderSame() {
        double[][] five = new double[5][5];
        five[4][4] = 9;
        Volume v = Volume.of(five);
        assertEquals(2, Pooling.of(PoolType.MAX).build().apply(v).height());
        Volume same = Pooling.of(PoolType.MAX).optPadding(Padding.SAME).build().apply(v);
        assertEquals(3, same.height());
        assertEquals(9, same.get(2, 2, 0));
    }
}
