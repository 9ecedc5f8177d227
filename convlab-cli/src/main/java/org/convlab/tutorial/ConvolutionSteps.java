package org.convlab.tutorial;

import org.convlab.ops.Convolution;
import org.convlab.ops.MatrixCsv;
import org.convlab.ops.Padding;
import org.convlab.ops.StepText;
import org.convlab.ops.Volume;

/** "How does convolution work": the tutorial's 7 steps, worked on a 5x5 matrix and a 3x3 kernel. */
public final class ConvolutionSteps {
    private ConvolutionSteps() {
    }

    public static void main(String[] args) {
        Volume x = Volume.of(Examples.MATRIX_5X5);
        Volume kernel = Volume.of(Examples.KERNEL_3X3);
        Convolution conv = Convolution.of(kernel).build();
        System.out.println("x =\n" + MatrixCsv.format(Examples.MATRIX_5X5));
        System.out.println("kernel =\n" + MatrixCsv.format(Examples.KERNEL_3X3));
        System.out.print(StepText.render(conv.explain(x, 3), kernel, x, 1, Padding.VALID));
        System.out.println("\nStep 7: every position visited; conv(x, kernel) =");
        System.out.print(MatrixCsv.format(conv.apply(x).channel(0)));
    }
}
