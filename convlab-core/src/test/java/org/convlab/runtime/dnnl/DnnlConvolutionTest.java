package org.convlab.runtime.dnnl;

import org.convlab.runtime.ConvEngine;
import org.convlab.runtime.Networks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.convlab.runtime.dnnl.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.convlab.ConvLabException;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * ConvLab's oneDNN convolutions against DL4J's built-in im2col + gemm path (a second,
 * independent implementation), on geometries that exercise every padding rule: 'same' with odd
 * and even kernels, explicit padding with stride 2 that truncates, dilation, no bias.
 */
class DnnlConvolutionTest {

    private static ComputationGraphConfiguration configuration() {
        return configuration(new Sgd(0.05));
    }

    private static ComputationGraphConfiguration configuration(org.nd4j.linalg.learning.config.IUpdater updater) {
        return new NeuralNetConfiguration.Builder().seed(11).dataType(DataType.FLOAT).updater(updater)
                .weightInit(WeightInit.XAVIER).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(9, 11, 3))
                .addLayer("same3", new ConvolutionLayer.Builder(3, 3).nOut(5).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "in")
                .addLayer("pad1stride2", new ConvolutionLayer.Builder(3, 3).stride(2, 2).padding(1, 1).nOut(6)
                        .convolutionMode(ConvolutionMode.Truncate).activation(Activation.TANH).build(), "same3")
                .addLayer("even2stride2", new ConvolutionLayer.Builder(2, 2).stride(2, 2).nOut(4).hasBias(false)
                        .convolutionMode(ConvolutionMode.Same).activation(Activation.IDENTITY).build(), "pad1stride2")
                .addLayer("dilated", new ConvolutionLayer.Builder(3, 3).dilation(2, 2).nOut(3).hasBias(false)
                        .convolutionMode(ConvolutionMode.Same).activation(Activation.SIGMOID).build(), "even2stride2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4)
                        .activation(Activation.SOFTMAX).build(), "dilated")
                .setOutputs("out").build();
    }

    /** The same network twice: one on ConvLab's helper, one on DL4J's built-in code, same weights. */
    private static ComputationGraph[] pair() {
        ComputationGraph accelerated = new ComputationGraph(configuration());
        accelerated.init();
        Networks.adopt(accelerated);
        ComputationGraph reference = new ComputationGraph(configuration());
        reference.init(accelerated.params().dup(), true);
        for (org.deeplearning4j.nn.api.Layer layer : reference.getLayers()) {
            if (layer instanceof org.deeplearning4j.nn.layers.convolution.ConvolutionLayer conv) {
                DnnlHelpers.setHelper(conv, null);
            }
        }
        return new ComputationGraph[] {accelerated, reference};
    }

    private static INDArray[] batch(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 9, 11).subi(0.5);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 4);
        for (int i = 0; i < 4; i++) {
            y.putScalar(i, (i * 3) % 4, 1f);
        }
        return new INDArray[] {x, y};
    }


    @Test
    void everyConvolutionRunsOnConvLabsHelperAndOnlyTheFirstSkipsItsInputGradient() {
        OneDnn.require();
        ComputationGraph net = pair()[0];
        java.util.List<String> found = new java.util.ArrayList<>();
        for (org.deeplearning4j.nn.api.Layer l : net.getLayers()) {
            if (l instanceof org.deeplearning4j.nn.layers.convolution.ConvolutionLayer layer) {
                String name = layer.getConfig().getLayerName();
                DnnlConvolution helper = assertInstanceOf(DnnlConvolution.class, DnnlHelpers.helperOf(layer), name);
                assertEquals(!name.equals("same3"), helper.computesInputGradient(), name);
                // ReLU and identity layers run whole on oneDNN; tanh and sigmoid keep DL4J's layer object.
                boolean whole = name.equals("same3") || name.equals("even2stride2");
                assertEquals(whole, layer instanceof DnnlConvolutionLayer, name);
                found.add(name);
            }
        }
        // Read from the graph, so a convolution the installer skipped cannot go unnoticed.
        assertEquals(java.util.List.of("same3", "pad1stride2", "even2stride2", "dilated"), found);
    }

    /**
     * Maps of 32x32, where oneDNN picks Winograd's F(4x4, 3x3) for training and a frozen copy asks
     * for it in inference (on AVX-512): outputs, gradients and a frozen copy's outputs within Winograd's
     * rounding of DL4J's direct convolution.
     */
    /**
     * Two 3x3 layers on 32x32 maps (where oneDNN may take Winograd), trained one step beside DL4J's built-in layers
     * and frozen: gradients, loss and the frozen output agree. Returns the trained graph and its frozen copy.
     */
    private static ComputationGraph[] thirtyTwoSquareLayersAgreeWithDl4j() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(4).dataType(DataType.FLOAT)
                .updater(new Sgd(0.05)).weightInit(WeightInit.XAVIER).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(32, 32, 32))
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(32).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "in")
                .addLayer("c2", new ConvolutionLayer.Builder(3, 3).nOut(32).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.IDENTITY).build(), "c1")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4)
                        .activation(Activation.SOFTMAX).build(), "c2")
                .setOutputs("out").build();
        ComputationGraph ours = Networks.create(conf);
        ComputationGraph reference = new ComputationGraph(conf);
        reference.init(ours.params().dup(), true);
        Nd4j.getRandom().setSeed(9);
        INDArray x = Nd4j.rand(DataType.FLOAT, 16, 32, 32, 32).subi(0.5);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 16, 4);
        for (int i = 0; i < 16; i++) {
            y.putScalar(i, i % 4, 1f);
        }
        ComputationGraph[] nets = {reference, ours};
        INDArray[] grads = Close.gradients(x, y, nets);
        assertClose(grads[0], grads[1], 1e-4, "gradients");
        assertEquals(reference.score(), ours.score(), 1e-5 * reference.score(), "loss");
        ComputationGraph frozen = Networks.frozen(ours);
        assertClose(reference.outputSingle(false, x), frozen.outputSingle(false, x), 1e-4, "a frozen copy's output");
        return new ComputationGraph[] {ours, frozen};
    }

    /** The kernels a layer ran on: its helper's, or the compiled chain's where a frozen graph has one. */
    private static java.util.Collection<String> implementations(ComputationGraph net, String layer) {
        if (net instanceof org.convlab.runtime.PlannedGraph planned && planned.plan() != null) {
            return planned.plan().implementations().getOrDefault(layer, java.util.Set.of());
        }
        return ((DnnlConvolution) DnnlHelpers.helperOf(
                (org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) net.getLayer(layer))).implementations().values();
    }

    @Test
    void winogradConvolutionsAgreeWithDl4jsDirectOnes() {
        OneDnn.require();
        ComputationGraph[] trainedAndFrozen = thirtyTwoSquareLayersAgreeWithDl4j();
        int avx512 = org.bytedeco.dnnl.global.dnnl.cpu_isa.avx512_core.value;
        if ((org.bytedeco.dnnl.global.dnnl.dnnl_get_effective_cpu_isa() & avx512) == avx512) {
            for (ComputationGraph net : trainedAndFrozen) {
                var used = implementations(net, "c2");
                assertTrue(!used.isEmpty() && used.stream().allMatch(name -> name.contains("wino")), "c2 ran on " + used);
            }
        }
    }

    /** --conv-algorithm direct: the same layers, trained and frozen, run direct kernels only, and still agree. */
    @Test
    void directOnlyTakesNoWinogradAnywhere() {
        OneDnn.require();
        org.convlab.runtime.ConvAlgorithm.request(org.convlab.runtime.ConvAlgorithm.DIRECT);
        try {
            for (ComputationGraph net : thirtyTwoSquareLayersAgreeWithDl4j()) {
                for (String layer : new String[] {"c1", "c2"}) {
                    var used = implementations(net, layer);
                    assertTrue(!used.isEmpty() && used.stream().noneMatch(name -> name.contains("wino")),
                            layer + " ran on " + used);
                }
            }
        } finally {
            org.convlab.runtime.ConvAlgorithm.request(null);
        }
    }

    @Test
    void forwardPassMatchesDl4jsBuiltInConvolution() {
        OneDnn.require();
        ComputationGraph[] nets = pair();
        INDArray x = batch(1)[0];
        for (String layer : new String[] {"same3", "pad1stride2", "even2stride2", "dilated"}) {
            INDArray expected = nets[1].feedForward(x, false).get(layer);
            INDArray actual = nets[0].feedForward(x, false).get(layer);
            assertEquals(java.util.Arrays.toString(expected.shape()), java.util.Arrays.toString(actual.shape()), layer);
            assertClose(expected, actual, 1e-5, layer);
        }
    }

    @Test
    void gradientsAndTrainingStepsMatchDl4jsBuiltInConvolution() {
        OneDnn.require();
        ComputationGraph[] nets = pair();
        INDArray[] b = batch(2);
        INDArray[] grads = Close.gradients(b[0], b[1], nets);
        assertEquals(nets[1].score(), nets[0].score(), 1e-5);
        // Every parameter's gradient, the first layer's included (it needs the deeper layers' input gradients).
        assertClose(grads[1], grads[0], 1e-4, "gradient");

        for (int step = 0; step < 3; step++) {
            INDArray[] next = batch(10 + step);
            nets[0].fit(new INDArray[] {next[0]}, new INDArray[] {next[1]});
            nets[1].fit(new INDArray[] {next[0]}, new INDArray[] {next[1]});
        }
        assertClose(nets[1].params(), nets[0].params(), 1e-4, "parameters after 3 SGD steps");
    }

    /**
     * DL4J's backprop convolves again to differentiate the activation (CacheMode NONE, as here); a
     * ReLU layer reads ReLU's derivative off the forward pass's output instead, and only within that
     * pass: training-mode passes with the weights changed between them (as a gradient check does)
     * each see their own weights.
     */
    @Test
    void aReluLayersBackpropReadsItsForwardOutputOnlyWithinItsOwnPass() {
        OneDnn.require();
        ComputationGraph[] nets = pair();
        DnnlConvolution relu = (DnnlConvolution) DnnlHelpers.helperOf(
                (org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) nets[0].getLayer("same3"));
        DnnlConvolution tanh = (DnnlConvolution) DnnlHelpers.helperOf(
                (org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) nets[0].getLayer("pad1stride2"));
        INDArray[] b = batch(4);
        nets[0].setInputs(b[0]);
        nets[0].setLabels(b[1]);
        int reluBefore = relu.forwardPasses();
        int tanhBefore = tanh.forwardPasses();
        nets[0].computeGradientAndScore();
        assertEquals(1, relu.forwardPasses() - reluBefore, "ReLU: one convolution serves forward pass and backprop");
        assertEquals(2, tanh.forwardPasses() - tanhBefore, "tanh: backprop convolves again (its derivative needs z)");

        org.nd4j.linalg.dataset.DataSet data = new org.nd4j.linalg.dataset.DataSet(b[0], b[1]);
        for (ComputationGraph net : nets) {
            net.score(data, true);
            net.params().muli(1.5);
        }
        assertEquals(nets[1].score(data, true), nets[0].score(data, true), 1e-5);
    }

    /**
     * A stored model's updater is restored before the installer replaces its ReLU layers' objects:
     * Adam's state must go on updating the parameters those layers read (the views are shared).
     */
    @Test
    void aRestoredGraphsAdamStateKeepsTrainingTheReplacedLayers() throws java.io.IOException {
        OneDnn.require();
        ComputationGraph trained = new ComputationGraph(configuration(new org.nd4j.linalg.learning.config.Adam(0.01)));
        trained.init();
        for (int step = 0; step < 2; step++) {
            INDArray[] b = batch(20 + step);
            trained.fit(new INDArray[] {b[0]}, new INDArray[] {b[1]});
        }
        java.io.ByteArrayOutputStream stored = new java.io.ByteArrayOutputStream();
        org.deeplearning4j.util.ModelSerializer.writeModel(trained, stored, true);
        ComputationGraph[] nets = new ComputationGraph[2];
        for (int i = 0; i < 2; i++) {
            nets[i] = org.deeplearning4j.util.ModelSerializer.restoreComputationGraph(
                    new java.io.ByteArrayInputStream(stored.toByteArray()), true);
        }
        Networks.adopt(nets[0]);
        assertInstanceOf(DnnlConvolutionLayer.class, nets[0].getLayer("same3"));
        for (org.deeplearning4j.nn.api.Layer layer : nets[1].getLayers()) {
            if (layer instanceof org.deeplearning4j.nn.layers.convolution.ConvolutionLayer conv) {
                DnnlHelpers.setHelper(conv, null);
            }
        }
        INDArray before = nets[0].params().dup();
        for (int step = 0; step < 3; step++) {
            INDArray[] next = batch(30 + step);
            for (ComputationGraph net : nets) {
                net.fit(new INDArray[] {next[0]}, new INDArray[] {next[1]});
            }
        }
        assertTrue(before.distance2(nets[0].params()) > 1e-3, "the restored graph trained");
        assertClose(nets[1].params(), nets[0].params(), 1e-4, "parameters after 3 Adam steps");
        assertClose(nets[1].getUpdater().getStateViewArray(), nets[0].getUpdater().getStateViewArray(), 1e-4,
                "Adam's moments");
    }

    /** Three 16-channel convolutions in a row: the first two hand over blocked layouts. */
    private static ComputationGraphConfiguration chain() {
        return new NeuralNetConfiguration.Builder().seed(12).dataType(DataType.FLOAT).updater(new Sgd(0.05))
                .weightInit(WeightInit.XAVIER).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(12, 10, 3))
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(16).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "in")
                .addLayer("c2", new ConvolutionLayer.Builder(3, 3).nOut(16).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.TANH).build(), "c1")
                .addLayer("c3", new ConvolutionLayer.Builder(3, 3).stride(2, 2).nOut(16)
                        .convolutionMode(ConvolutionMode.Same).activation(Activation.RELU).build(), "c2")
                .addLayer("pool", new org.deeplearning4j.nn.conf.layers.SubsamplingLayer.Builder(
                        org.deeplearning4j.nn.conf.layers.SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build(), "c3")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build();
    }

    @Test
    void chainedConvolutionsHandOverBlockedLayoutsAndStillComputeWhatDl4jDoes() {
        OneDnn.require();
        ComputationGraph linked = new ComputationGraph(chain());
        linked.init();
        Networks.adopt(linked);
        ComputationGraph reference = onDl4jsConvolutions(chain(), linked, "c1", "c2", "c3");
        DnnlConvolution c1 = (DnnlConvolution) DnnlHelpers.helperOf(
                (org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) linked.getLayer("c1"));
        DnnlConvolution c3 = (DnnlConvolution) DnnlHelpers.helperOf(
                (org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) linked.getLayer("c3"));
        assertTrue(c1.outputLink() != null, "c1 feeds c2 alone");
        assertTrue(c3.outputLink() != null, "c3 feeds ConvLab's pooling alone");

        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 3, 12, 10).subi(0.5);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 4);
        for (int i = 0; i < 4; i++) {
            y.putScalar(i, i % 4, 1f);
        }
        assertClose(reference.outputSingle(x), linked.outputSingle(x), 1e-5, "output");
        assertTrue(c1.outputLink().carriesBlockedLayout(), "c1 -> c2 travelled in oneDNN's blocked layout");
        // An inspectable copy reads c3's output in plain NCHW.
        assertClose(reference.feedForward(x, false).get("c3"), Networks.inspectable(linked).feedForward(x, false).get("c3"),
                1e-5, "c3");

        computeGradients(x, y, linked, reference);
        assertClose(reference.gradient().gradient(), linked.gradient().gradient(), 1e-4, "gradient");
        fitThreeSteps(x, y, linked, reference);
        assertClose(reference.params(), linked.params(), 1e-4, "parameters after 3 SGD steps");

        // An inspectable copy has plain layouts: every inner activation is NCHW again.
        assertClose(reference.feedForward(x, false).get("c1"), Networks.inspectable(linked).feedForward(x, false).get("c1"),
                1e-5, "c1 inspected");
    }

    /** A twin of {@code ours} with the same parameters whose layers {@code convs} run DL4J's built-in convolution. */
    private static ComputationGraph onDl4jsConvolutions(ComputationGraphConfiguration conf, ComputationGraph ours, String... convs) {
        ComputationGraph reference = new ComputationGraph(conf);
        reference.init(ours.params().dup(), true);
        for (String name : convs) {
            DnnlHelpers.setHelper((org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) reference.getLayer(name), null);
        }
        return reference;
    }

    private static void computeGradients(INDArray x, INDArray y, ComputationGraph... nets) {
        for (ComputationGraph net : nets) {
            net.setInputs(x);
            net.setLabels(y);
            net.computeGradientAndScore();
        }
    }

    private static void fitThreeSteps(INDArray x, INDArray y, ComputationGraph... nets) {
        for (int step = 0; step < 3; step++) {
            for (ComputationGraph net : nets) {
                net.fit(new INDArray[] {x}, new INDArray[] {y});
            }
        }
    }

    /** Small maps, where the weight gradient is a swapped forward pass ({@link SwappedWeightGradient}). */
    private static ComputationGraphConfiguration smallMaps() {
        return new NeuralNetConfiguration.Builder().seed(13).dataType(DataType.FLOAT).updater(new Sgd(0.05))
                .weightInit(WeightInit.XAVIER).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(3, 3, 16))
                .addLayer("same3", new ConvolutionLayer.Builder(3, 3).nOut(32).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "in")
                .addLayer("even2", new ConvolutionLayer.Builder(2, 2).nOut(16).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.TANH).build(), "same3")
                .addLayer("valid2", new ConvolutionLayer.Builder(2, 2).nOut(16).convolutionMode(ConvolutionMode.Truncate)
                        .activation(Activation.RELU).build(), "even2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4)
                        .activation(Activation.SOFTMAX).build(), "valid2")
                .setOutputs("out").build();
    }

    @Test
    void smallMapsWeightAndBiasGradientsMatchDl4jsBuiltInConvolution() {
        OneDnn.require();
        ComputationGraph fast = new ComputationGraph(smallMaps());
        fast.init();
        Networks.adopt(fast);
        ComputationGraph reference = onDl4jsConvolutions(smallMaps(), fast, "same3", "even2", "valid2");
        INDArray x = org.convlab.runtime.SeededArrays.centred(4, 6, 16, 3, 3);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 6, 4);
        for (int i = 0; i < 6; i++) {
            y.putScalar(i, (i * 3) % 4, 1f);
        }
        computeGradients(x, y, fast, reference);
        // Every weight and bias gradient: 3x3 'same' (padding 1 each side), 2x2 'same' (padding on one side), 2x2 valid.
        assertClose(reference.gradient().gradient(), fast.gradient().gradient(), 1e-4, "gradient");
        for (String name : new String[] {"same3", "even2", "valid2"}) {
            DnnlConvolution helper = (DnnlConvolution) DnnlHelpers.helperOf(
                    (org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) fast.getLayer(name));
            assertEquals(1, helper.swappedWeightGradients(), name + " should take its weight gradient as a swapped forward pass");
        }
        fitThreeSteps(x, y, fast, reference);
        assertClose(reference.params(), fast.params(), 1e-4, "parameters after 3 SGD steps");
    }

    @Test
    void libnd4jsPlatformHelpersFollowTheEngineNotTheGraphLoadedLast() {
        OneDnn.require();
        ComputationGraph nchw = pair()[0];
        assertTrue(!Nd4j.getEnvironment().helpersAllowed(), "ConvLab's engine: libnd4j's own pooling loops");
        ComputationGraph nhwc = new ComputationGraph(new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(6, 6, 2,
                        org.deeplearning4j.nn.conf.CNN2DFormat.NHWC))
                .addLayer("c", new ConvolutionLayer.Builder(3, 3).nOut(4).dataFormat(
                        org.deeplearning4j.nn.conf.CNN2DFormat.NHWC).build(), "in")
                .addLayer("out", new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build(), "c")
                .setOutputs("out").build());
        nhwc.init();
        Networks.adopt(nhwc);
        assertTrue(!Nd4j.getEnvironment().helpersAllowed(), "loading a graph with a layer ConvLab does not run changes nothing");
        var conv = (org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) nhwc.getLayer("c");
        assertTrue(!(DnnlHelpers.helperOf(conv) instanceof DnnlConvolution), "NHWC is not ConvLab's");
        INDArray out = nhwc.outputSingle(Nd4j.rand(DataType.FLOAT, 2, 6, 6, 2));
        assertClose(Nd4j.ones(DataType.FLOAT, 2), out.sum(1), 1e-5, "the NHWC graph still runs: probabilities sum to 1");
        // and the first graph still runs on ConvLab's helpers
        assertInstanceOf(DnnlConvolution.class, DnnlHelpers.helperOf(
                (org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) nchw.getLayer("same3")));
    }

    @Test
    void aOneChannelLayersWeightGradientIsWrittenInPlaceNotHandedBackToDl4j() {
        // DL4J's view of a one-channel layer's weight gradient, [nOut, 1, kH, kW], reports order 'f'
        // with C's strides. Taken for a strided view, it sent the main job's first layer
        // back to DL4J's im2col path (12.7 of 13.5 ms of that layer's backward pass at 28x28x1).
        ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().dataType(DataType.FLOAT)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(8, 8, 1))
                .addLayer("c", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "in")
                .addLayer("out", new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX).build(), "c")
                .setOutputs("out").build());
        net.init();
        net.initGradientsView();
        org.deeplearning4j.nn.api.Layer layer = net.getLayer("c");
        INDArray view = org.deeplearning4j.nn.params.ConvolutionParamInitializer.getInstance()
                .getGradientsFromFlattened(layer.conf(), layer.getGradientsViewArray())
                .get(org.deeplearning4j.nn.params.ConvolutionParamInitializer.WEIGHT_KEY);
        assertEquals("[4, 1, 3, 3]", java.util.Arrays.toString(view.shape()));
        assertTrue(Dnnl.dense(view), view.ordering() + " strides " + java.util.Arrays.toString(view.stride()));
        // A view that really skips elements is not.
        INDArray columns = Nd4j.create(DataType.FLOAT, 4, 6).get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 3));
        assertTrue(!Dnnl.dense(columns), "a column slice");
        assertTrue(!Dnnl.dense(Nd4j.create(DataType.FLOAT, 4, 1, 3, 3).permute(0, 1, 3, 2)), "a transposed array");
    }

    @Test
    void theEngineIsChosenByPropertyAndAnUnknownOneIsRefused() {
        String before = System.getProperty(ConvEngine.PROPERTY);
        try {
            System.setProperty(ConvEngine.PROPERTY, "dl4j");
            assertEquals(ConvEngine.DL4J, ConvEngine.active());
            ComputationGraph net = new ComputationGraph(configuration());
            net.init();
            Networks.adopt(net);
            var layer = (org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) net.getLayer("same3");
            assertTrue(!(DnnlHelpers.helperOf(layer) instanceof DnnlConvolution), "dl4j keeps DL4J's helper");
            System.setProperty(ConvEngine.PROPERTY, "cudnn");
            ConvLabException e = assertThrows(ConvLabException.class, ConvEngine::requested);
            assertTrue(e.getMessage().contains("use dnnl or dl4j"), e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty(ConvEngine.PROPERTY);
            } else {
                System.setProperty(ConvEngine.PROPERTY, before);
            }
        }
    }
}
