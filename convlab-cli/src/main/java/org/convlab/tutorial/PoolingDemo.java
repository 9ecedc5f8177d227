package org.convlab.tutorial;

import org.convlab.ops.MatrixCsv;
import org.convlab.ops.PoolType;
import org.convlab.ops.Pooling;
import org.convlab.ops.Volume;

/** "Down sampling by pooling layer": max, average and sum pooling of a 4x4 matrix, 2x2 windows, stride 2. */
public final class PoolingDemo {
    private PoolingDemo() {
    }

    public static void main(String[] args) {
        System.out.println("x =\n" + MatrixCsv.format(Examples.MATRIX_4X4));
        for (PoolType type : PoolType.values()) {
            Volume y = Pooling.of(type).build().apply(Volume.of(Examples.MATRIX_4X4));
            System.out.println(type + " pooling, 2x2 window, stride 2:\n" + MatrixCsv.format(y.channel(0)));
        }
    }
}
