package org.convlab.ops;

import org.convlab.BadSettingException;
import org.convlab.ConvLabException;
import org.convlab.Setting;

import java.util.ArrayList;
import java.util.List;

/**
 * The convolution the tutorial describes, written out step by step, with Keras/TensorFlow
 * semantics for stride and padding. It is the reference that DL4J's native convolution is
 * tested against, not a fast implementation.
 *
 * <ol>
 *   <li>Start from the top-left corner of the (zero-padded) input.</li>
 *   <li>Take a slice of the input the size of the kernel.</li>
 *   <li>Multiply the slice and the kernel element-wise.</li>
 *   <li>Sum the products into a single value (and add the filter's bias).</li>
 *   <li>Write it to the output.</li>
 *   <li>Slide right by the stride, or down to the next row of positions at the end of a row.</li>
 *   <li>Repeat until the window reaches the bottom-right corner.</li>
 * </ol>
 *
 * <pre>{@code
 * Volume edges = Convolution.of(Volume.of(Kernels.get("sobel-x").values()))
 *         .optStride(1).optPadding(Padding.SAME).build()
 *         .apply(image);
 * }</pre>
 */
public final class Convolution {
    private final Volume[] filters;
    private final double[] bias;
    private final int strideRows;
    private final int strideCols;
    private final Padding padding;

    private Convolution(Builder b) {
        this.filters = b.filters;
        this.bias = b.bias == null ? new double[b.filters.length] : b.bias;
        this.strideRows = b.strideRows;
        this.strideCols = b.strideCols;
        this.padding = b.padding;
    }

    /** A convolution with one or more filters; every filter must have the same shape. */
    public static Builder of(Volume... filters) {
        return new Builder(filters);
    }

    /** Applies the convolution: output has one channel per filter. */
    public Volume apply(Volume x) {
        return run(x, Integer.MAX_VALUE, null);
    }

    /** The worked steps for the first {@code cells} output positions of every filter. */
    public List<ConvolutionStep> explain(Volume x, int cells) {
        List<ConvolutionStep> steps = new ArrayList<>();
        run(x, cells, steps);
        return steps;
    }

    private Volume run(Volume x, int explainCells, List<ConvolutionStep> steps) {
        Volume k0 = filters[0];
        if (x.channels() != k0.channels()) {
            throw new ConvLabException("kernel has " + k0.channels() + " channel(s) but the input has " + x.channels());
        }
        int outH = outputSide(x.height(), k0.height(), strideRows, "rows");
        int outW = outputSide(x.width(), k0.width(), strideCols, "columns");
        int padTop = padding.padBefore(x.height(), k0.height(), strideRows);
        int padLeft = padding.padBefore(x.width(), k0.width(), strideCols);
        Volume out = new Volume(outH, outW, filters.length);
        for (int f = 0; f < filters.length; f++) {
            Volume kernel = filters[f];
            int cell = 0;
            // Steps 1, 6 and 7: visit every window position, left to right, top to bottom.
            for (int i = 0; i < outH; i++) {
                for (int j = 0; j < outW; j++, cell++) {
                    int top = i * strideRows;
                    int left = j * strideCols;
                    boolean record = steps != null && cell < explainCells;
                    Volume slice = record ? new Volume(kernel.height(), kernel.width(), kernel.channels()) : null;
                    Volume products = record ? new Volume(kernel.height(), kernel.width(), kernel.channels()) : null;
                    double sum = 0;
                    for (int a = 0; a < kernel.height(); a++) {
                        for (int b = 0; b < kernel.width(); b++) {
                            for (int c = 0; c < kernel.channels(); c++) {
                                // Step 2: the slice, reading zeros where the window lies on the padding.
                                double v = valueOrZero(x, top + a - padTop, left + b - padLeft, c);
                                // Step 3: element-wise product; step 4: the sum.
                                double p = v * kernel.get(a, b, c);
                                sum += p;
                                if (record) {
                                    slice.set(a, b, c, v);
                                    products.set(a, b, c, p);
                                }
                            }
                        }
                    }
                    // Step 5: write to the output.
                    out.set(i, j, f, sum + bias[f]);
                    if (record) {
                        steps.add(new ConvolutionStep(i, j, f, top, left, slice, products, sum, bias[f], sum + bias[f]));
                    }
                }
            }
        }
        return out;
    }

    private int outputSide(int n, int k, int stride, String axis) {
        int out = padding.outputSize(n, k, stride);
        if (out < 1) {
            throw new BadSettingException(Setting.PADDING, "the " + k + "-" + axis + " kernel is larger than the " + n + "-" + axis
                    + " input with 'valid' padding; use %s same or a smaller kernel");
        }
        return out;
    }

    private static double valueOrZero(Volume x, int row, int col, int channel) {
        if (row < 0 || col < 0 || row >= x.height() || col >= x.width()) {
            return 0;
        }
        return x.get(row, col, channel);
    }

    /**
     * Convolves every channel of {@code image} with the same 2-D {@code kernel} on its own (the
     * author's {@code plot_with_kernels}): output has as many channels as the input.
     */
    public static Volume perChannel(Volume image, double[][] kernel, int stride, Padding padding, double bias) {
        Convolution conv = of(Volume.of(kernel)).optStride(stride).optPadding(padding).optBias(bias).build();
        Volume out = null;
        for (int c = 0; c < image.channels(); c++) {
            Volume one = conv.apply(Volume.of(image.channel(c)));
            if (out == null) {
                out = new Volume(one.height(), one.width(), image.channels());
            }
            for (int r = 0; r < one.height(); r++) {
                for (int col = 0; col < one.width(); col++) {
                    out.set(r, col, c, one.get(r, col, 0));
                }
            }
        }
        return out;
    }

    /** Builder: filters are required, stride defaults to 1, padding to 'valid', biases to 0. */
    public static final class Builder {
        private final Volume[] filters;
        private double[] bias;
        private int strideRows = 1;
        private int strideCols = 1;
        private Padding padding = Padding.VALID;

        private Builder(Volume... filters) {
            if (filters.length == 0) {
                throw new ConvLabException("a convolution needs at least one kernel");
            }
            for (Volume f : filters) {
                if (f.height() != filters[0].height() || f.width() != filters[0].width() || f.channels() != filters[0].channels()) {
                    throw new ConvLabException("all kernels must have the same shape: " + filters[0] + " and " + f);
                }
            }
            this.filters = filters.clone();
        }

        public Builder optStride(int stride) {
            return optStride(stride, stride);
        }

        public Builder optStride(int rows, int cols) {
            if (rows < 1 || cols < 1) {
                throw new ConvLabException("stride must be at least 1, received " + (rows == cols ? rows : rows + "x" + cols));
            }
            this.strideRows = rows;
            this.strideCols = cols;
            return this;
        }

        public Builder optPadding(Padding newPadding) {
            this.padding = newPadding;
            return this;
        }

        /** One bias per filter. */
        public Builder optBias(double... biases) {
            if (biases.length != filters.length) {
                throw new ConvLabException("expected " + filters.length + " bias value(s), one per kernel, received " + biases.length);
            }
            this.bias = biases.clone();
            return this;
        }

        public Convolution build() {
            return new Convolution(this);
        }
    }
}
