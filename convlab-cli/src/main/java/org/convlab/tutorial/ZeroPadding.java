package org.convlab.tutorial;

import org.convlab.ops.Convolution;
import org.convlab.ops.MatrixCsv;
import org.convlab.ops.Padding;
import org.convlab.ops.Volume;

/** "Zero padding in convolutions": the same input and kernel under 'valid' and 'same', stride 1 and 2. */
public final class ZeroPadding {
    private ZeroPadding() {
    }

    public static void main(String[] args) {
        Volume x = Volume.of(Examples.MATRIX_5X5);
        for (int stride : new int[] {1, 2}) {
            for (Padding padding : Padding.values()) {
                Volume y = Convolution.of(Volume.of(Examples.KERNEL_3X3)).optStride(stride).optPadding(padding).build().apply(x);
                int total = padding.totalPadding(5, 3, stride);
                System.out.printf("'%s', stride %d: 5x5 -> %dx%d (zeros added per axis: %d before, %d after)%n",
                        padding, stride, y.height(), y.width(), padding.padBefore(5, 3, stride), total - padding.padBefore(5, 3, stride));
                System.out.println(MatrixCsv.format(y.channel(0)));
            }
        }
        System.out.println("'valid': floor((n - k) / s) + 1 cells; 'same': ceil(n / s), the odd extra zero row/column at the bottom/right.");
    }
}
