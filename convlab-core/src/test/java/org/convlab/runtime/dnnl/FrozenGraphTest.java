package org.convlab.runtime.dnnl;

import static org.convlab.runtime.dnnl.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.convlab.runtime.Networks;
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
 * {@link Networks#frozen}: an inference-only copy whose convolution and dense weights are packed
 * once. Checked against DL4J's own layers on the same parameters and against the live graph it
 * came from (whose kernels read the weights where they are): in float all agree to float rounding.
 */
class FrozenGraphTest {

    private static ComputationGraphConfiguration network() {
        return new NeuralNetConfiguration.Builder().seed(11).dataType(DataType.FLOAT).updater(new Adam(0.01))
                .weightInit(WeightInit.XAVIER).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(12, 10, 3))
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(16).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "in")
                .addLayer("p1", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), "c1")
                .addLayer("c2", new ConvolutionLayer.Builder(3, 3).nOut(16).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.TANH).build(), "p1")
                .addLayer("d1", new DenseLayer.Builder().nOut(40).activation(Activation.RELU).build(), "c2")
                .addLayer("d2", new DenseLayer.Builder().nOut(24).hasBias(false).activation(Activation.IDENTITY).build(), "d1")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(5)
                        .activation(Activation.SOFTMAX).build(), "d2")
                .setOutputs("out").build();
    }

    private static ComputationGraph trained() {
        ComputationGraph net = Networks.create(network());
        net.fit(batch(3, 8));
        return net;
    }

    private static DataSet batch(long seed, int n) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, 3, 12, 10).subi(0.5);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, 5);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % 5, 1f);
        }
        return new DataSet(x, y);
    }

    @Test
    void aFrozenCopyComputesWhatTheGraphItCameFromComputes() {
        OneDnn.require();
        ComputationGraph live = trained();
        ComputationGraph frozen = Networks.frozen(live);
        assertInstanceOf(DnnlDenseLayer.class, frozen.getLayer("d1"));
        assertInstanceOf(DnnlDenseLayer.class, frozen.getLayer("d2"));

        // DL4J's own layers on the same parameters: a second implementation.
        ComputationGraph dl4j = new ComputationGraph(network());
        dl4j.init(live.params().dup(), true);
        for (int n : new int[] {4, 1, 4}) {
            INDArray x = batch(20 + n, n).getFeatures();
            assertClose(dl4j.outputSingle(false, x), frozen.outputSingle(false, x), 1e-5, "frozen output, batch " + n);
            assertClose(live.outputSingle(false, x), frozen.outputSingle(false, x), 1e-5, "against the live graph, batch " + n);
            // The inner layers too, not only the softmax, which would hide small errors.
            assertClose(dl4j.feedForward(x, false).get("d2"), frozen.feedForward(x, false).get("d2"), 1e-5,
                    "d2, batch " + n);
        }
        DnnlDenseLayer d1 = (DnnlDenseLayer) frozen.getLayer("d1");
        assertEquals(2, d1.product().primitives(), "one inner product per batch size");
        assertFalse(d1.product().implementation(4).startsWith("ref"), "d1 ran on " + d1.product().implementation(4));
    }

    @Test
    void aFrozenCopyKeepsItsWeightsWhileTheOriginalTrainsOn() {
        OneDnn.require();
        ComputationGraph live = trained();
        INDArray x = batch(7, 4).getFeatures();
        INDArray before = live.outputSingle(false, x);
        ComputationGraph frozen = Networks.frozen(live);
        assertClose(before, frozen.outputSingle(false, x), 1e-5, "frozen copy before the original trains");
        for (int i = 0; i < 5; i++) {
            live.fit(batch(30 + i, 8));
        }
        INDArray after = live.outputSingle(false, x);
        assertTrue(after.sub(before).amaxNumber().doubleValue() > 1e-3, "training changed the original");
        assertClose(before, frozen.outputSingle(false, x), 1e-5, "frozen copy after the original trained");
    }

    @Test
    void trainingAFrozenGraphIsRefusedWithAReason() {
        OneDnn.require();
        ComputationGraph frozen = Networks.frozen(trained());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> frozen.fit(batch(5, 4)));
        assertTrue(e.getMessage().contains("frozen for inference"), e.getMessage());
    }

    /** A host's threads come and go: the scratch buffers a thread's calls allocated are freed after it ends. */
    @Test
    void scratchOfThreadsThatEndedIsFreed() throws Exception {
        OneDnn.require();
        ComputationGraph frozen = Networks.frozen(trained());
        INDArray images = batch(5, 4).getFeatures();
        frozen.output(false, images); // this thread's own buffers, which stay
        long before = Scratch.bytesHeld();
        for (int round = 0; round < 8; round++) {
            Thread worker = new Thread(() -> frozen.output(false, images));
            worker.start();
            worker.join();
        }
        long afterThreads = Scratch.bytesHeld();
        assertTrue(afterThreads > before, "the workers' calls used no scratch buffers: " + afterThreads + " bytes");
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (Scratch.bytesHeld() > before && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(50);
        }
        assertEquals(before, Scratch.bytesHeld(), "bytes still held by the ended threads' buffers");
    }
}
