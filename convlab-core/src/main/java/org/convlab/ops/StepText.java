package org.convlab.ops;

import java.util.List;

/** Renders {@link ConvolutionStep}s as text: slice, kernel and products side by side, then the sum. */
public final class StepText {
    private StepText() {
    }

    public static String render(List<ConvolutionStep> steps, Volume kernel, Volume input, int stride, Padding padding) {
        StringBuilder sb = new StringBuilder();
        int padTop = padding.padBefore(input.height(), kernel.height(), stride);
        int padLeft = padding.padBefore(input.width(), kernel.width(), stride);
        int padRows = padding.totalPadding(input.height(), kernel.height(), stride);
        int padCols = padding.totalPadding(input.width(), kernel.width(), stride);
        sb.append(String.format("Step 1: start at the top-left corner of the %dx%d input; the %dx%d kernel slides by %d.%n",
                input.height(), input.width(), kernel.height(), kernel.width(), stride));
        if (padding == Padding.SAME) {
            sb.append(String.format("        '%s' padding adds zeros: %d row(s) on top, %d below, %d column(s) left, %d right.%n",
                    padding, padTop, padRows - padTop, padLeft, padCols - padLeft));
        } else {
            sb.append("        'valid' padding: no zeros added, the kernel stays inside the input.\n");
        }
        for (ConvolutionStep s : steps) {
            sb.append(String.format("%nOutput cell (%d, %d)%s: input rows %d..%d, columns %d..%d%n", s.outRow(), s.outCol(),
                    kernel.channels() > 1 || s.filter() > 0 ? ", filter " + s.filter() : "",
                    s.top() - padTop, s.top() - padTop + kernel.height() - 1,
                    s.left() - padLeft, s.left() - padLeft + kernel.width() - 1));
            for (int c = 0; c < kernel.channels(); c++) {
                if (kernel.channels() > 1) {
                    sb.append("  channel ").append(c).append('\n');
                }
                sb.append(block("Step 2: slice", "Step 3: x kernel", "= products", s.slice().channel(c),
                        kernel.channel(c), s.products().channel(c)));
            }
            sb.append(String.format("  Step 4: sum of products = %s; + bias %s = %s%n", MatrixCsv.format(s.sum()),
                    MatrixCsv.format(s.bias()), MatrixCsv.format(s.output())));
            sb.append(String.format("  Step 5: write %s to output (%d, %d); step 6: slide by %d.%n",
                    MatrixCsv.format(s.output()), s.outRow(), s.outCol(), stride));
        }
        return sb.toString();
    }

    private static String block(String t1, String t2, String t3, double[][] a, double[][] b, double[][] c) {
        int width = 8;
        for (double[][] m : new double[][][] {a, b, c}) {
            for (double[] row : m) {
                for (double v : row) {
                    width = Math.max(width, MatrixCsv.format(v).length() + 1);
                }
            }
        }
        int colWidth = Math.max(width * a[0].length, 18) + 4;
        StringBuilder sb = new StringBuilder("  ");
        sb.append(pad(t1, colWidth)).append(pad(t2, colWidth)).append(t3).append('\n');
        for (int r = 0; r < a.length; r++) {
            sb.append("  ").append(pad(row(a[r], width), colWidth)).append(pad(row(b[r], width), colWidth))
                    .append(row(c[r], width).stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    private static String row(double[] values, int width) {
        StringBuilder sb = new StringBuilder();
        for (double v : values) {
            sb.append(String.format("%" + width + "s", MatrixCsv.format(v)));
        }
        return sb.toString();
    }

    private static String pad(String s, int width) {
        return s.length() >= width ? s + " " : s + " ".repeat(width - s.length());
    }
}
