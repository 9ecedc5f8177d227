package org.convlab.ops;

import org.convlab.arch.Activations;
import org.convlab.arch.ArchitectureSpec;
import org.convlab.arch.Conv2DSpec;
import org.convlab.arch.DenseSpec;
import org.convlab.arch.FlattenSpec;
import org.convlab.arch.GraphBuilder;
import org.convlab.arch.InputShape;
import org.convlab.arch.LayerSpec;
import org.convlab.arch.PoolSpec;
import org.convlab.arch.Size2;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The teaching code and the engine agree: for random inputs, the reference operations equal
 * DL4J's own layers (run through {@link GraphBuilder}, so with the oneDNN helpers and the
 * Keras-semantics settings ConvLab uses) to 1e-4.
 */
class NativeAgreementTest {
    private static final double TOLERANCE = 1e-4;

    /** Input (NCHW batch of one) from a reference volume. */
    private static INDArray toNchw(Volume v) {
        INDArray a = Nd4j.zeros(DataType.FLOAT, 1, v.channels(), v.height(), v.width());
        for (int r = 0; r < v.height(); r++) {
            for (int c = 0; c < v.width(); c++) {
                for (int ch = 0; ch < v.channels(); ch++) {
                    a.putScalar(new long[] {0, ch, r, c}, v.get(r, c, ch));
                }
            }
        }
        return a;
    }

    private static Volume random(Random rnd, int h, int w, int c) {
        Volume v = new Volume(h, w, c);
        for (int r = 0; r < h; r++) {
            for (int col = 0; col < w; col++) {
                for (int ch = 0; ch < c; ch++) {
                    v.set(r, col, ch, rnd.nextGaussian());
                }
            }
        }
        return v;
    }

    private static void assertSame(Volume expected, INDArray actualNchw) {
        assertArrayEquals(new long[] {1, expected.channels(), expected.height(), expected.width()}, actualNchw.shape());
        for (int r = 0; r < expected.height(); r++) {
            for (int c = 0; c < expected.width(); c++) {
                for (int ch = 0; ch < expected.channels(); ch++) {
                    assertEquals(expected.get(r, c, ch), actualNchw.getDouble(0, ch, r, c), TOLERANCE,
                            "at row " + r + ", col " + c + ", channel " + ch);
                }
            }
        }
    }

    private static ComputationGraph graphOf(InputShape in, LayerSpec layer) {
        ArchitectureSpec spec = new ArchitectureSpec("probe", null, in,
                List.of(layer, new FlattenSpec(null), DenseSpec.of(2, "softmax")));
        return GraphBuilder.of(spec).build();
    }

    @ParameterizedTest(name = "{0}x{1}x{2} input, {3} {4}x{4} kernels, stride {5}, {6}")
    @CsvSource({
        "7, 7, 1, 1, 3, 1, same",
        "7, 7, 3, 4, 3, 2, same",
        "8, 8, 2, 3, 3, 2, valid",
        "9, 6, 3, 2, 5, 2, same",
        "6, 6, 1, 2, 2, 1, same",
        "10, 10, 3, 5, 3, 3, valid",
        "11, 8, 2, 3, 4, 3, same",
    })
    void convolutionEqualsDl4j(int h, int w, int c, int filters, int k, int stride, String padding) {
        Random rnd = new Random(h * 31L + k * 7L + stride);
        Volume x = random(rnd, h, w, c);
        Volume[] kernels = new Volume[filters];
        double[] bias = new double[filters];
        INDArray weights = Nd4j.zeros(DataType.FLOAT, filters, c, k, k);
        INDArray b = Nd4j.zeros(DataType.FLOAT, 1, filters);
        for (int f = 0; f < filters; f++) {
            kernels[f] = random(rnd, k, k, c);
            bias[f] = rnd.nextGaussian();
            b.putScalar(0, f, bias[f]);
            for (int r = 0; r < k; r++) {
                for (int col = 0; col < k; col++) {
                    for (int ch = 0; ch < c; ch++) {
                        weights.putScalar(new long[] {f, ch, r, col}, kernels[f].get(r, col, ch));
                    }
                }
            }
        }
        Padding pad = Padding.parse(padding);
        Volume expected = Convolution.of(kernels).optStride(stride).optPadding(pad).optBias(bias).build().apply(x);

        ComputationGraph net = graphOf(new InputShape(h, w, c),
                new Conv2DSpec("conv", filters, Size2.square(k), Size2.square(stride), pad, "linear"));
        net.getLayer("conv").setParam("W", weights);
        net.getLayer("conv").setParam("b", b);
        INDArray actual = net.feedForward(toNchw(x), false).get("conv");
        assertSame(expected, actual);
    }

    @ParameterizedTest(name = "{0} pooling {3}x{3} stride {4} {5} on {1}x{2}")
    @CsvSource({
        "max, 8, 8, 2, 2, valid",
        "max, 25, 25, 2, 2, valid",
        "max, 7, 7, 3, 2, same",
        "avg, 8, 8, 2, 2, valid",
        "avg, 9, 9, 2, 2, valid",
        "avg, 7, 7, 3, 2, same",
        "avg, 6, 5, 3, 1, same",
        "sum, 8, 8, 2, 2, valid",
        "sum, 7, 7, 3, 3, valid",
        "sum, 7, 7, 3, 2, same",
    })
    void poolingEqualsDl4j(String type, int h, int w, int size, int stride, String padding) {
        Random rnd = new Random(h * 13L + size * 5L + stride);
        Volume x = random(rnd, h, w, 3);
        Padding pad = Padding.parse(padding);
        Volume expected = Pooling.of(PoolType.parse(type)).optSize(size).optStride(stride).optPadding(pad).build().apply(x);
        ComputationGraph net = graphOf(new InputShape(h, w, 3),
                new PoolSpec(type + "_pool", "pool", Size2.square(size), Size2.square(stride), pad));
        assertSame(expected, net.feedForward(toNchw(x), false).get("pool"));
    }

    @ParameterizedTest
    @EnumSource(ActivationFunction.class)
    void activationEqualsDl4j(ActivationFunction f) {
        int n = 241;
        INDArray x = Nd4j.linspace(-6, 6, n, DataType.DOUBLE).reshape(1, n);
        INDArray y = Activations.toDl4j(f.keyword()).getActivation(x.dup(), false);
        for (int i = 0; i < n; i++) {
            assertEquals(f.apply(x.getDouble(0, i)), y.getDouble(0, i), TOLERANCE, f + " at " + x.getDouble(0, i));
        }
    }

    @org.junit.jupiter.api.Test
    void softmaxEqualsDl4j() {
        double[] v = {0.3, -1.2, 2.5, 0.0, 4.1};
        INDArray y = Activations.toDl4j("softmax")
                .getActivation(Nd4j.createFromArray(v).reshape(1, v.length), false);
        double[] expected = ActivationFunction.softmax(v);
        for (int i = 0; i < v.length; i++) {
            assertEquals(expected[i], y.getDouble(0, i), TOLERANCE);
        }
    }
}
