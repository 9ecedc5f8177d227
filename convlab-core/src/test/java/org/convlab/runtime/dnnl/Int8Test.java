package org.convlab.runtime.dnnl;

import static org.convlab.runtime.dnnl.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import org.convlab.ConvLabException;
import org.convlab.runtime.Int8Calibration;
import org.convlab.runtime.Networks;
import org.convlab.runtime.Precision;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Int8 inference ({@link Int8}): inputs and weights on their integer grids are multiplied exactly,
 * so there the int8 layers must give what DL4J's float layers give on the same values, and an input
 * beyond the calibrated range must saturate; on a trained network the int8 copy must make the float
 * copy's predictions, convolutions handing their integers to the next, directly and through a max pool. The door ({@link Networks#frozen}) quantizes only frozen graphs that have a
 * calibration.
 */
class Int8Test {


    private static ComputationGraphConfiguration convolution(int channels) {
        return new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT).weightInit(WeightInit.XAVIER)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(7, 6, channels))
                .addLayer("c", new ConvolutionLayer.Builder(3, 3).nOut(16).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.IDENTITY).build(), "in")
                .addLayer("c2", new ConvolutionLayer.Builder(3, 3).nOut(16).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "c")
                .addLayer("d", new DenseLayer.Builder().nOut(12).activation(Activation.IDENTITY).build(), "c2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "d")
                .setOutputs("out").build();
    }

    /** Values k / 100 for whole k in [lo, hi], with both ends present: an int8 grid of 100 steps per unit. */
    private static INDArray grid(Random random, int lo, int hi, long... shape) {
        INDArray a = Nd4j.create(DataType.FLOAT, shape);
        long n = a.length();
        for (long i = 0; i < n; i++) {
            a.putScalar(i, (lo + random.nextInt(hi - lo + 1)) / 100f);
        }
        a.putScalar(0, lo / 100f);
        a.putScalar(n - 1, hi / 100f);
        return a;
    }

    /** Each output channel's weights on the grid, largest magnitude 1.27 (weight scale 100). */
    private static INDArray gridWeights(Random random, long... shape) {
        INDArray w = grid(random, -127, 127, shape);
        INDArray rows = w.reshape('c', shape[0], -1);
        for (int o = 0; o < shape[0]; o++) {
            rows.putScalar(o, random.nextInt((int) rows.size(1)), random.nextBoolean() ? 1.27f : -1.27f);
        }
        return w;
    }

    /** The graph with the given parameters, its convolution and dense layers in int8 over {@code ranges}, layouts plain. */
    private static ComputationGraph quantized(ComputationGraphConfiguration conf, INDArray params,
                                              Map<String, ActivationRange> ranges) {
        ComputationGraph graph = new ComputationGraph(conf);
        graph.init(params.dup(), true);
        DnnlHelpers.install(graph, false, false, true, ranges);
        return graph;
    }

    @Test
    void onTheirGridsInt8LayersComputeWhatFloatLayersCompute() {
        OneDnn.requireInt8();
        Random random = new Random(7);
        for (boolean signed : new boolean[] {false, true}) {
            ComputationGraphConfiguration conf = convolution(4);
            ComputationGraph reference = new ComputationGraph(conf);
            reference.init();
            reference.setParam("c_W", gridWeights(random, 16, 4, 3, 3));
            reference.setParam("c_b", Nd4j.rand(DataType.FLOAT, 1, 16).subi(0.5));
            // Input on the grid: u8 over [0, 2.55], or s8 over [-1.27, 1.27]: 100 steps per unit either way.
            INDArray x = signed ? grid(random, -127, 127, 5, 4, 7, 6) : grid(random, 0, 255, 5, 4, 7, 6);
            Map<String, ActivationRange> ranges = Map.of("c", new ActivationRange(signed ? -1.27f : 0f, signed ? 1.27f : 2.55f));
            ComputationGraph int8 = quantized(conf, reference.params(), ranges);

            INDArray expected = reference.feedForward(x, false).get("c");
            INDArray actual = int8.feedForward(x, false).get("c");
            assertClose(expected, actual, 1e-5, (signed ? "s8" : "u8") + " convolution on the grid");
            String impl = ((DnnlConvolution) DnnlHelpers.helperOf(
                    (org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) int8.getLayer("c"))).implementations()
                    .values().iterator().next();
            assertTrue(impl.contains("vnni"), "ran on " + impl);

            // Beyond the range the input saturates: what the float layer computes on the clipped input
            // (s8 reaches -128, one step further down than the symmetric range).
            INDArray beyond = x.dup();
            beyond.putScalar(new long[] {1, 2, 3, 3}, 4f);
            beyond.putScalar(new long[] {2, 1, 0, 5}, -4f);
            INDArray clipped = beyond.dup();
            clipped.putScalar(new long[] {1, 2, 3, 3}, signed ? 1.27f : 2.55f);
            clipped.putScalar(new long[] {2, 1, 0, 5}, signed ? -1.28f : 0f);
            assertClose(reference.feedForward(clipped, false).get("c"), int8.feedForward(beyond, false).get("c"), 1e-5,
                    "saturated input");
        }
    }

    @Test
    void anInt8DenseLayerOnItsGridComputesWhatAFloatOneComputes() {
        OneDnn.requireInt8();
        Random random = new Random(11);
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT)
                .weightInit(WeightInit.XAVIER).graphBuilder().addInputs("in").setInputTypes(InputType.feedForward(40))
                .addLayer("d", new DenseLayer.Builder().nOut(24).activation(Activation.IDENTITY).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "d")
                .setOutputs("out").build();
        ComputationGraph reference = new ComputationGraph(conf);
        reference.init();
        // DL4J keeps W as [nIn, nOut]: the grid's rows are its columns.
        reference.setParam("d_W", gridWeights(random, 24, 40).transpose().dup('c'));
        reference.setParam("d_b", Nd4j.rand(DataType.FLOAT, 1, 24).subi(0.5));
        INDArray x = grid(random, 0, 255, 6, 40);
        ComputationGraph int8 = quantized(conf, reference.params(), Map.of("d", new ActivationRange(0f, 2.55f)));
        for (int batch : new int[] {6, 1}) {
            INDArray rows = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, batch)).dup();
            assertClose(reference.feedForward(rows, false).get("d"), int8.feedForward(rows, false).get("d"), 1e-5,
                    "int8 dense layer on the grid, batch " + batch);
        }
        String impl = ((DnnlDenseLayer) int8.getLayer("d")).product().implementation(6);
        assertTrue(impl.contains("vnni"), "ran on " + impl);
    }

    @Test
    void aTrainedNetworkInInt8MakesTheFloatNetworksPredictions() {
        OneDnn.requireInt8();
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(21).dataType(DataType.FLOAT)
                .updater(new Adam(3e-3)).weightInit(WeightInit.RELU).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(12, 12, 1))
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(16).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "in")
                .addLayer("p1", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), "c1")
                .addLayer("c2", new ConvolutionLayer.Builder(3, 3).nOut(32).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "p1")
                .addLayer("c3", new ConvolutionLayer.Builder(3, 3).nOut(16).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "c2")
                .addLayer("d1", new DenseLayer.Builder().nOut(32).activation(Activation.RELU).build(), "c3")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4)
                        .activation(Activation.SOFTMAX).build(), "d1")
                .setOutputs("out").build();
        ComputationGraph net = Networks.create(conf);
        for (int step = 0; step < 60; step++) {
            net.fit(quadrants(step, 32));
        }
        INDArray x = quadrants(1000, 400).getFeatures();
        Int8Calibration calibration = Int8Calibration.measure(net, List.of(quadrants(2000, 256).getFeatures()));
        assertEquals(256, calibration.images());
        assertEquals(List.of("c1", "c2", "c3", "d1"), List.copyOf(calibration.inputs().keySet()), "by name: the same file every run");
        assertTrue(calibration.inputs().get("c2").min() >= 0, "c2 reads a ReLU's pooled output: u8");

        INDArray floats = Networks.frozen(net).outputSingle(false, x);
        ComputationGraph int8;
        try {
            Precision.request(Precision.INT8);
            int8 = Networks.frozen(net, calibration);
            // Graphs that train stay float under an int8 request.
            ComputationGraph training = Networks.copy(net);
            training.outputSingle(false, x);
            assertTrue(((DnnlConvolution) DnnlHelpers.helperOf((org.deeplearning4j.nn.layers.convolution.ConvolutionLayer)
                    training.getLayer("c2"))).implementations().values().stream().noneMatch(n -> n.contains("vnni")));
            ConvLabException e = assertThrows(ConvLabException.class, () -> Networks.frozen(net));
            assertTrue(e.getMessage().contains("int8 inference needs the range of each layer's input"), e.getMessage());
        } finally {
            Precision.request(null);
        }
        INDArray ints = int8.outputSingle(false, x);
        // The frozen graph answers through its compiled chain: every hidden layer in int8 on VNNI kernels, each
        // convolution writing its reader's input integers (c1's through the max pool).
        InferencePlan plan = ((org.convlab.runtime.PlannedGraph) int8).plan();
        assertEquals("conv2d+relu int8 (hands over integers), max_pool, conv2d+relu int8 (hands over integers),"
                + " conv2d+relu int8 (hands over integers), dense+relu int8, output+softmax", plan.describe());
        for (String layer : List.of("c2", "c3")) {
            assertTrue(plan.implementations().get(layer).stream().allMatch(n -> n.contains("vnni")), plan.implementations().toString());
        }
        // Layer by layer, the same hand-overs through the layers' links.
        DnnlConvolution c2 = (DnnlConvolution) DnnlHelpers.helperOf(
                (org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) int8.getLayer("c2"));
        // c3 alone reads c2: c2 writes c3's input integers (u8, after a ReLU), not floats.
        assertEquals(org.bytedeco.dnnl.memory.data_type.u8.value, c2.outputLink().type().value);
        // c1's output reaches c2 through a max pool, which pools c2's integers.
        assertEquals(org.bytedeco.dnnl.memory.data_type.u8.value, ((DnnlPooling) int8.getLayer("p1")).outputLink().type().value);
        assertFalse(floats.equalsWithEps(ints, 1e-6), "int8 rounds: its probabilities are not float's to the last bit");
        assertClose(floats, ints, 0.05, "int8 probabilities against float's");
        INDArray agree = floats.argMax(1).eq(ints.argMax(1)).castTo(DataType.FLOAT);
        assertTrue(agree.meanNumber().doubleValue() >= 0.98, "int8 and float agree on " + agree.meanNumber() + " of 400");
    }

    /** Images with one bright quadrant; the label says which. */
    private static DataSet quadrants(long seed, int n) {
        Random random = new Random(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, 1, 12, 12).muli(0.4);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, 4);
        for (int i = 0; i < n; i++) {
            int q = random.nextInt(4);
            int r0 = q / 2 * 6, c0 = q % 2 * 6;
            x.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i), org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(r0, r0 + 6),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(c0, c0 + 6)).addi(0.5);
            y.putScalar(i, q, 1f);
        }
        return new DataSet(x, y);
    }
}
