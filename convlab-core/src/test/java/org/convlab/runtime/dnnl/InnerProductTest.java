package org.convlab.runtime.dnnl;

import static org.convlab.runtime.dnnl.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Dense and output layers on oneDNN's inner product ({@link DnnlDenseLayer}, {@link DnnlOutputLayer})
 * against DL4J's own layers (BLAS), a second implementation: outputs, loss, every gradient, and
 * Adam steps must agree to float rounding.
 */
class InnerProductTest {

    private static ComputationGraphConfiguration network() {
        return new NeuralNetConfiguration.Builder().seed(3).dataType(DataType.FLOAT).updater(new Adam(0.01))
                .weightInit(WeightInit.XAVIER).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(8, 6, 2))
                .addLayer("c", new ConvolutionLayer.Builder(3, 3).nOut(8).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "in")
                .addLayer("d1", new DenseLayer.Builder().nOut(33).activation(Activation.RELU).build(), "c")
                .addLayer("d2", new DenseLayer.Builder().nOut(17).hasBias(false).activation(Activation.TANH).build(), "d1")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(5)
                        .activation(Activation.SOFTMAX).build(), "d2")
                .setOutputs("out").build();
    }

    private static INDArray[] batch(long seed, int n) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, 2, 8, 6).subi(0.5);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, 5);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, (i * 2) % 5, 1f);
        }
        return new INDArray[] {x, y};
    }

    @Test
    void denseAndOutputLayersComputeWhatDl4jsBlasLayersCompute() {
        OneDnn.require();
        ComputationGraph ours = Networks.create(network());
        assertInstanceOf(DnnlDenseLayer.class, ours.getLayer("d1"));
        assertInstanceOf(DnnlDenseLayer.class, ours.getLayer("d2"));
        assertInstanceOf(DnnlOutputLayer.class, ours.getLayer("out"));
        ComputationGraph dl4j = new ComputationGraph(network());
        dl4j.init(ours.params().dup(), true);

        INDArray[] b = batch(1, 6);
        assertClose(dl4j.feedForward(b[0], false).get("d2"), Networks.inspectable(ours).feedForward(b[0], false).get("d2"),
                1e-5, "d2's activations");
        assertClose(dl4j.outputSingle(false, b[0]), ours.outputSingle(false, b[0]), 1e-5, "output");
        ComputationGraph[] nets = {dl4j, ours};
        INDArray[] gradients = Close.gradients(b[0], b[1], nets);
        assertEquals(dl4j.score(), ours.score(), 1e-5 * dl4j.score(), "loss");
        // Every parameter's gradient, the first convolution's included (it needs the gradient at d1's input).
        for (String layer : new String[] {"c", "d1", "d2", "out"}) {
            assertClose(dl4j.getLayer(layer).getGradientsViewArray(), ours.getLayer(layer).getGradientsViewArray(),
                    1e-4, layer + "'s gradient");
        }
        assertClose(gradients[0], gradients[1], 1e-4, "the whole gradient");
        for (int step = 0; step < 3; step++) {
            INDArray[] next = batch(10 + step, step == 1 ? 3 : 6);
            for (ComputationGraph net : nets) {
                net.fit(new INDArray[] {next[0]}, new INDArray[] {next[1]});
            }
        }
        assertClose(dl4j.params(), ours.params(), 1e-4, "parameters after 3 Adam steps (batches of 6, 3, 6)");
        assertEquals(2, ((DnnlDenseLayer) ours.getLayer("d1")).product().primitives(), "one primitive per batch size");
    }

    @Test
    void aFrozenInnerProductRefusesToComputeGradients() {
        OneDnn.require();
        InnerProduct frozen = new InnerProduct(false, true, null);
        INDArray w = Nd4j.rand(DataType.FLOAT, 4, 3);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 4);
        INDArray out = frozen.forward(x, w, null, org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces());
        assertClose(x.mmul(w), out, 1e-6, "x . w");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> frozen.backward(x,
                Nd4j.rand(DataType.FLOAT, 2, 3), w, Nd4j.create(DataType.FLOAT, 4, 3), null,
                org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces()));
        assertTrue(e.getMessage().contains("frozen"), e.getMessage());
    }
}
