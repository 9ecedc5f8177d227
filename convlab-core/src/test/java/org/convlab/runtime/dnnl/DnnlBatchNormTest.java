package org.convlab.runtime.dnnl;

import org.convlab.arch.ArchitectureSpec;
import org.convlab.arch.Architectures;
import org.convlab.arch.GraphBuilder;
import org.convlab.arch.InputShape;
import org.convlab.runtime.ConvEngine;
import org.convlab.runtime.Networks;

import static org.convlab.runtime.dnnl.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * ConvLab's oneDNN batch norm against DL4J's built-in batch norm (no helper): outputs in training
 * and inference mode, every gradient, and parameters plus running statistics after Adam steps.
 */
class DnnlBatchNormTest {

    private static ComputationGraphConfiguration configuration() {
        return new NeuralNetConfiguration.Builder().seed(21).dataType(DataType.FLOAT).updater(new Adam(0.01))
                .weightInit(WeightInit.XAVIER).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(7, 9, 2))
                // No bias before batch norm: its gradient is zero in exact arithmetic, and Adam would
                // turn the two implementations' different rounding noise into different steps.
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(6).convolutionMode(ConvolutionMode.Same)
                        .hasBias(false).activation(Activation.IDENTITY).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().decay(0.8).eps(1e-3).activation(Activation.RELU).build(), "conv")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "bn")
                .setOutputs("out").build();
    }


    @Test
    void batchNormMatchesDl4jsBuiltInOneInTrainingInferenceGradientsAndRunningStatistics() {
        OneDnn.require();
        ComputationGraph ours = new ComputationGraph(configuration());
        ours.init();
        Networks.adopt(ours);
        var bnLayer = (org.deeplearning4j.nn.layers.normalization.BatchNormalization) ours.getLayer("bn");
        assertInstanceOf(DnnlBatchNorm.class, DnnlHelpers.helperOf(bnLayer));

        ComputationGraph reference = new ComputationGraph(configuration());
        reference.init(ours.params().dup(), true);
        DnnlHelpers.setHelper((org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) reference.getLayer("conv"), null);
        DnnlHelpers.setBatchNormHelper((org.deeplearning4j.nn.layers.normalization.BatchNormalization) reference.getLayer("bn"), null);

        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.FLOAT, 5, 2, 7, 9).muli(3).subi(1);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 5, 3);
        for (int i = 0; i < 5; i++) {
            y.putScalar(i, i % 3, 1f);
        }
        assertClose(reference.feedForward(x, true).get("bn"), ours.feedForward(x, true).get("bn"), 1e-4, "training output");
        assertClose(reference.feedForward(x, false).get("bn"), ours.feedForward(x, false).get("bn"), 1e-4, "inference output");

        for (ComputationGraph net : new ComputationGraph[] {ours, reference}) {
            net.setInputs(x);
            net.setLabels(y);
            net.computeGradientAndScore();
        }
        assertClose(reference.gradient().gradient(), ours.gradient().gradient(), 1e-3, "gradient");

        for (int step = 0; step < 4; step++) {
            ours.fit(new INDArray[] {x}, new INDArray[] {y});
            reference.fit(new INDArray[] {x}, new INDArray[] {y});
        }
        // params() holds gamma, beta and the running mean and variance as well as the weights.
        assertClose(reference.params(), ours.params(), 1e-3, "parameters and running statistics after 4 Adam steps");
        assertClose(reference.outputSingle(x), ours.outputSingle(x), 1e-3, "inference after training");
    }

    /** The main job's pattern: convolution (ReLU), batch norm, convolution, ..., the last batch norm before pooling. */
    private static ComputationGraphConfiguration convBnChain() {
        return new NeuralNetConfiguration.Builder().seed(23).dataType(DataType.FLOAT).updater(new Sgd(0.05))
                .weightInit(WeightInit.XAVIER).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(12, 10, 3))
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(16).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "in")
                .addLayer("bn1", new BatchNormalization.Builder().build(), "c1")
                .addLayer("c2", new ConvolutionLayer.Builder(3, 3).nOut(16).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "bn1")
                .addLayer("bn2", new BatchNormalization.Builder().build(), "c2")
                .addLayer("pool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2)
                        .stride(2, 2).build(), "bn2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build();
    }

    @Test
    void batchNormBetweenTwoConvolutionsRunsOnTheirBlockedLayoutAndStillComputesWhatDl4jDoes() {
        OneDnn.require();
        ComputationGraph linked = new ComputationGraph(convBnChain());
        linked.init();
        Networks.adopt(linked);
        ComputationGraph reference = new ComputationGraph(convBnChain());
        reference.init(linked.params().dup(), true);
        for (String name : new String[] {"c1", "c2"}) {
            DnnlHelpers.setHelper((org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) reference.getLayer(name), null);
        }
        for (String name : new String[] {"bn1", "bn2"}) {
            DnnlHelpers.setBatchNormHelper((org.deeplearning4j.nn.layers.normalization.BatchNormalization) reference.getLayer(name), null);
        }
        DnnlBatchNorm bn1 = (DnnlBatchNorm) DnnlHelpers.helperOf(
                (org.deeplearning4j.nn.layers.normalization.BatchNormalization) linked.getLayer("bn1"));
        DnnlBatchNorm bn2 = (DnnlBatchNorm) DnnlHelpers.helperOf(
                (org.deeplearning4j.nn.layers.normalization.BatchNormalization) linked.getLayer("bn2"));
        DnnlConvolution c1 = (DnnlConvolution) DnnlHelpers.helperOf(
                (org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) linked.getLayer("c1"));
        assertTrue(bn1.inputLink() != null && bn1.inputLink() == c1.outputLink() && bn1.outputLink() == bn1.inputLink(),
                "c1 -> bn1 -> c2 travel linked");
        assertTrue(bn2.inputLink() != null && bn2.outputLink() != null, "c2 -> bn2 -> pool travels linked");
        assertNull(((DnnlPooling) linked.getLayer("pool")).outputLink(), "the pooling layer feeds the output layer: plain");

        Nd4j.getRandom().setSeed(9);
        INDArray x = Nd4j.rand(DataType.FLOAT, 6, 3, 12, 10).subi(0.5);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 6, 4);
        for (int i = 0; i < 6; i++) {
            y.putScalar(i, i % 4, 1f);
        }
        assertClose(reference.outputSingle(x), linked.outputSingle(x), 1e-4, "inference output");
        assertTrue(bn1.inputLink().carriesBlockedLayout(), "c1 -> bn1 -> c2 travelled in oneDNN's blocked layout");
        for (ComputationGraph net : new ComputationGraph[] {linked, reference}) {
            net.setInputs(x);
            net.setLabels(y);
            net.computeGradientAndScore();
        }
        assertClose(reference.gradient().gradient(), linked.gradient().gradient(), 1e-3, "gradient");
        for (int step = 0; step < 3; step++) {
            linked.fit(new INDArray[] {x}, new INDArray[] {y});
            reference.fit(new INDArray[] {x}, new INDArray[] {y});
        }
        assertClose(reference.params(), linked.params(), 1e-3, "parameters and running statistics after 3 SGD steps");
        assertClose(reference.outputSingle(x), linked.outputSingle(x), 1e-3, "inference after training");
        assertClose(reference.feedForward(x, false).get("bn1"), Networks.inspectable(linked).feedForward(x, false).get("bn1"),
                1e-3, "bn1 inspected");
    }

    @Test
    void aResidualNetworkLinksConvolutionBatchNormActivationChainsAndKeepsMergesPlain() {
        OneDnn.require();
        ArchitectureSpec spec = Architectures.get("resnet-small").withInput(InputShape.parse("12x12x3")).withClasses(4);
        ComputationGraph linked = GraphBuilder.of(spec).optSeed(4).build();
        ComputationGraph reference = new ComputationGraph(linked.getConfiguration().clone());
        reference.init(linked.params().dup(), true);
        for (org.deeplearning4j.nn.api.Layer layer : reference.getLayers()) {
            if (layer instanceof org.deeplearning4j.nn.layers.convolution.ConvolutionLayer conv) {
                DnnlHelpers.setHelper(conv, null);
            } else if (layer instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization bn) {
                DnnlHelpers.setBatchNormHelper(bn, null);
            }
        }
        // Inside a block conv1 -> bn1 -> relu1 -> conv2 travels blocked; bn2 feeds the add, which is not linked.
        DnnlConvolution conv1 = (DnnlConvolution) DnnlHelpers.helperOf(
                (org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) linked.getLayer("block2_conv1"));
        DnnlBatchNorm bn1 = (DnnlBatchNorm) DnnlHelpers.helperOf(
                (org.deeplearning4j.nn.layers.normalization.BatchNormalization) linked.getLayer("block2_bn1"));
        DnnlBatchNorm bn2 = (DnnlBatchNorm) DnnlHelpers.helperOf(
                (org.deeplearning4j.nn.layers.normalization.BatchNormalization) linked.getLayer("block2_bn2"));
        DnnlBatchNorm stemBn = (DnnlBatchNorm) DnnlHelpers.helperOf(
                (org.deeplearning4j.nn.layers.normalization.BatchNormalization) linked.getLayer("stem_bn"));
        assertTrue(conv1.outputLink() != null && bn1.outputLink() != null, "block2_conv1 -> bn1 -> relu1 -> conv2 linked");
        assertTrue(bn2.inputLink() != null && bn2.outputLink() == null, "bn2 takes conv2's layout and writes NCHW for the add");
        assertNull(stemBn.outputLink(), "stem_relu feeds a convolution and an add: plain");

        Nd4j.getRandom().setSeed(12);
        INDArray x = Nd4j.rand(DataType.FLOAT, 5, 3, 12, 12).subi(0.5);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 5, 4);
        for (int i = 0; i < 5; i++) {
            y.putScalar(i, i % 4, 1f);
        }
        assertClose(reference.outputSingle(x), linked.outputSingle(x), 1e-4, "inference output");
        assertTrue(bn1.outputLink().carriesBlockedLayout(), "the block's inner tensors travelled blocked");
        for (ComputationGraph net : new ComputationGraph[] {linked, reference}) {
            net.setInputs(x);
            net.setLabels(y);
            net.computeGradientAndScore();
        }
        assertClose(reference.gradient().gradient(), linked.gradient().gradient(), 2e-3, "gradient");
    }
}
