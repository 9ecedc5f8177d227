package org.convlab.runtime.dnnl;

import static org.convlab.runtime.dnnl.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.convlab.runtime.Networks;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
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
 * ConvLab's oneDNN pooling against DL4J's own (libnd4j's loops, an independent implementation):
 * outputs and every gradient, with the pooling layer between two convolutions (blocked tensors in
 * and out), after the last one (blocked in, plain out), on the network's input (plain in and out),
 * with padding in 'same' mode and explicitly, average pooling, and a channel count oneDNN's blocked
 * layouts do not divide (DL4J's code runs).
 */
class DnnlPoolingTest {

    private static ComputationGraphConfiguration configuration() {
        return new NeuralNetConfiguration.Builder().seed(31).dataType(DataType.FLOAT).updater(new Sgd(0.05))
                .weightInit(WeightInit.XAVIER).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(13, 11, 16))
                .addLayer("poolInput", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(3, 3)
                        .stride(1, 1).padding(1, 1).convolutionMode(ConvolutionMode.Truncate).build(), "in")
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(16).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.TANH).build(), "poolInput")
                // 13x11 -> 7x6: 'same' pads one row and one column, at the bottom and right only.
                .addLayer("poolSame", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2)
                        .stride(2, 2).convolutionMode(ConvolutionMode.Same).build(), "c1")
                .addLayer("c2", new ConvolutionLayer.Builder(3, 3).nOut(32).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.TANH).build(), "poolSame")
                .addLayer("poolAvg", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.AVG).kernelSize(2, 2)
                        .stride(1, 1).build(), "c2")
                .addLayer("c3", new ConvolutionLayer.Builder(1, 1).nOut(5).activation(Activation.TANH).build(), "poolAvg")
                .addLayer("poolOdd", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2)
                        .stride(2, 2).build(), "c3")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "poolOdd")
                .setOutputs("out").build();
    }

    private static DnnlPooling pooling(ComputationGraph graph, String name) {
        return assertInstanceOf(DnnlPooling.class, graph.getLayer(name), name + " runs on ConvLab's pooling");
    }

    @Test
    void poolingMatchesDl4jsOwnInEveryLayoutPaddingAndMode() {
        OneDnn.require();
        ComputationGraph ours = new ComputationGraph(configuration());
        ours.init();
        Networks.adopt(ours);
        ComputationGraph reference = new ComputationGraph(configuration());
        reference.init(ours.params().dup(), true);
        for (String name : new String[] {"c1", "c2", "c3"}) {
            DnnlHelpers.setHelper((org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) reference.getLayer(name), null);
        }
        assertEquals(org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer.class,
                reference.getLayer("poolSame").getClass(), "the reference runs DL4J's own pooling");

        DnnlPooling poolInput = pooling(ours, "poolInput");
        DnnlPooling poolSame = pooling(ours, "poolSame");
        DnnlPooling poolAvg = pooling(ours, "poolAvg");
        assertNull(poolInput.inputLink(), "the network's input is plain");
        assertTrue(poolSame.inputLink() != null && poolSame.outputLink() != null, "c1 -> poolSame -> c2 travels blocked");
        assertTrue(poolAvg.inputLink() != null && poolAvg.outputLink() != null, "c2 -> poolAvg -> c3 travels blocked");
        assertNull(pooling(ours, "poolOdd").outputLink(), "poolOdd feeds the output layer: plain");
        assertTrue(Arrays.asList(ours.getLayers()).contains(poolSame), "the graph's layer list holds the replacement");

        Nd4j.getRandom().setSeed(17);
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 16, 13, 11).subi(0.5);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 3);
        for (int i = 0; i < 4; i++) {
            y.putScalar(i, i % 3, 1f);
        }
        assertClose(reference.outputSingle(x), ours.outputSingle(x), 1e-5, "inference output");
        assertTrue(poolSame.inputLink().carriesBlockedLayout(), "the pooled tensors travelled blocked");
        for (ComputationGraph net : new ComputationGraph[] {ours, reference}) {
            net.setInputs(x);
            net.setLabels(y);
            net.computeGradientAndScore();
        }
        assertClose(reference.gradient().gradient(), ours.gradient().gradient(), 1e-4, "gradient");
        for (int step = 0; step < 3; step++) {
            ours.fit(new INDArray[] {x}, new INDArray[] {y});
            reference.fit(new INDArray[] {x}, new INDArray[] {y});
        }
        assertClose(reference.params(), ours.params(), 1e-4, "parameters after 3 SGD steps");
        assertClose(reference.feedForward(x, false).get("poolSame"),
                Networks.inspectable(ours).feedForward(x, false).get("poolSame"), 1e-5, "poolSame inspected");
    }
}
