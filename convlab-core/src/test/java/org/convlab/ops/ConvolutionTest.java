package org.convlab.ops;

import org.convlab.ConvLabException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hand-worked cases. Input x[i][j] = 5i + j + 1 (1..25), kernel K = [[1,2,3],[4,5,6],[7,8,9]].
 * A window at (i, j) fully inside gives sum K * (5i + j + 1) + sum K[a][b] (5a + b)
 * = 45 (5i + j + 1) + 366, so the 'valid' corner is 411.
 */
class ConvolutionTest {
    static final double[][] X = {
        {1, 2, 3, 4, 5}, {6, 7, 8, 9, 10}, {11, 12, 13, 14, 15}, {16, 17, 18, 19, 20}, {21, 22, 23, 24, 25}};
    static final double[][] K = {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}};

    private static double[][] conv(int stride, Padding padding) {
        return Convolution.of(Volume.of(K)).optStride(stride).optPadding(padding).build().apply(Volume.of(X)).channel(0);
    }

    @Test
    void validStrideOne() {
        assertArrayEquals(new double[][] {{411, 456, 501}, {636, 681, 726}, {861, 906, 951}}, conv(1, Padding.VALID));
    }

    @Test
    void validStrideTwo() {
        assertArrayEquals(new double[][] {{411, 501}, {861, 951}}, conv(2, Padding.VALID));
    }

    @Test
    void sameStrideOneKeepsTheSizeAndPadsWithZeros() {
        double[][] out = conv(1, Padding.SAME);
        assertEquals(5, out.length);
        assertEquals(5, out[0].length);
        // Corner (0,0): only K[1..2][1..2] meet the image: 5*1 + 6*2 + 8*6 + 9*7.
        assertEquals(128, out[0][0]);
        // Corner (4,4): only K[0..1][0..1] meet it: 1*19 + 2*20 + 4*24 + 5*25.
        assertEquals(280, out[4][4]);
        // Interior cells equal the 'valid' result shifted by the padding.
        assertEquals(411, out[1][1]);
        assertEquals(951, out[3][3]);
    }

    @Test
    void sameStrideTwoGivesCeilAndSplitsThePadding() {
        double[][] out = conv(2, Padding.SAME);
        // ceil(5/2) = 3; padding (3-1)*2 + 3 - 5 = 2, one row/column on each side.
        assertEquals(3, out.length);
        assertEquals(128, out[0][0]);
        assertEquals(681, out[1][1]);
        assertEquals(280, out[2][2]);
    }

    @Test
    void sameWithEvenSizePutsTheExtraPaddingBottomRight() {
        // 6 cells, kernel 3, stride 2: out 3, total padding 1, all of it after the input.
        assertEquals(3, Padding.SAME.outputSize(6, 3, 2));
        assertEquals(1, Padding.SAME.totalPadding(6, 3, 2));
        assertEquals(0, Padding.SAME.padBefore(6, 3, 2));
        // An even kernel with stride 1: total 1, again after.
        assertEquals(0, Padding.SAME.padBefore(5, 2, 1));
        assertEquals(2, Padding.VALID.outputSize(5, 3, 2));
        assertEquals(2, Padding.VALID.outputSize(6, 3, 2));
        assertEquals(3, Padding.VALID.outputSize(6, 2, 2));
        // Odd and even inputs under 'same' stride 2: ceil.
        assertEquals(50, Padding.SAME.outputSize(100, 3, 2));
        assertEquals(13, Padding.SAME.outputSize(25, 2, 2));
        assertEquals(12, Padding.VALID.outputSize(25, 2, 2));
    }

    @Test
    void biasIsAddedAndFiltersStack() {
        Volume k2 = Volume.of(new double[][] {{0, 0, 0}, {0, 1, 0}, {0, 0, 0}});
        Volume out = Convolution.of(Volume.of(K), k2).optBias(1, -1).build().apply(Volume.of(X));
        assertEquals(2, out.channels());
        assertEquals(412, out.get(0, 0, 0));
        assertEquals(7 - 1, out.get(0, 0, 1));
    }

    @Test
    void multiChannelSumsOverChannels() {
        Volume x = new Volume(2, 2, 2);
        Volume k = new Volume(2, 2, 2);
        for (int r = 0; r < 2; r++) {
            for (int c = 0; c < 2; c++) {
                x.set(r, c, 0, 1);
                x.set(r, c, 1, 2);
                k.set(r, c, 0, 3);
                k.set(r, c, 1, 4);
            }
        }
        // 4 cells x (1*3 + 2*4) = 44
        assertEquals(44, Convolution.of(k).build().apply(x).get(0, 0, 0));
    }

    @Test
    void explainShowsSliceProductsAndSum() {
        List<ConvolutionStep> steps = Convolution.of(Volume.of(K)).optStride(2).build().explain(Volume.of(X), 2);
        assertEquals(2, steps.size());
        ConvolutionStep second = steps.get(1);
        assertEquals(0, second.outRow());
        assertEquals(1, second.outCol());
        assertEquals(2, second.left());
        assertArrayEquals(new double[][] {{3, 4, 5}, {8, 9, 10}, {13, 14, 15}}, second.slice().channel(0));
        assertEquals(3 * 1 + 4 * 2 + 5 * 3, second.products().channel(0)[0][0] + second.products().channel(0)[0][1]
                + second.products().channel(0)[0][2]);
        assertEquals(501, second.output());
    }

    @Test
    void badArgumentsAreRefused() {
        assertThrows(ConvLabException.class, () -> Convolution.of(Volume.of(K)).optStride(0));
        ConvLabException tooBig = assertThrows(ConvLabException.class,
                () -> Convolution.of(Volume.of(K)).build().apply(Volume.of(new double[][] {{1, 2}, {3, 4}})));
        assertTrue(tooBig.getMessage().contains("larger than"), tooBig.getMessage());
        assertThrows(ConvLabException.class, () -> Volume.of(new double[][] {{1, 2}, {3}}));
    }

    @Test
    void perChannelKeepsChannels() {
        Volume rgb = new Volume(3, 3, 3);
        rgb.set(1, 1, 2, 10);
        Volume out = Convolution.perChannel(rgb, new double[][] {{0, 0, 0}, {0, 2, 0}, {0, 0, 0}}, 1, Padding.SAME, 0);
        assertEquals(3, out.channels());
        assertEquals(20, out.get(1, 1, 2));
        assertEquals(0, out.get(1, 1, 0));
    }
}
