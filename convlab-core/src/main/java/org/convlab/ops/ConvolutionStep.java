package org.convlab.ops;

/**
 * One output cell of a convolution, worked as the tutorial's steps 2-5: the {@code slice} of the
 * (padded) input under the kernel, the element-wise {@code products} with the kernel, their
 * {@code sum}, plus the {@code bias}, giving {@code output}. {@code top} and {@code left} are the
 * slice's corner in padded coordinates.
 */
public record ConvolutionStep(int outRow, int outCol, int filter, int top, int left,
                              Volume slice, Volume products, double sum, double bias, double output) {
}
