package org.convlab.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
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
 * {@link LayerOutputs} against DL4J's own {@code feedForward} on an inspectable copy (a second path
 * through the same layers): the same values for every chosen vertex, batch after batch of changing
 * size, while the arrays it hands out are reused workspace memory rather than fresh arrays.
 */
class LayerOutputsTest {

    private static ComputationGraph trained() {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder().seed(11).dataType(DataType.FLOAT)
                .updater(new Adam(0.01)).weightInit(WeightInit.RELU).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(10, 10, 2))
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(6).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().build(), "c1")
                .addLayer("p", new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), "bn")
                .addLayer("d", new DenseLayer.Builder().nOut(12).activation(Activation.RELU).build(), "p")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "d")
                .setOutputs("out").build();
        ComputationGraph graph = Networks.create(conf);
        for (int step = 0; step < 5; step++) {
            graph.fit(new DataSet(batch(step, 16), Nd4j.eye(3).getRows(0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0)));
        }
        return graph;
    }

    private static INDArray batch(long seed, int n) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.FLOAT, n, 2, 10, 10).subi(0.5);
    }

    @Test
    void readsWhatFeedForwardComputesBatchAfterBatch() {
        ComputationGraph graph = trained();
        ComputationGraph reference = Networks.inspectable(graph);
        List<String> chosen = List.of("in", "bn", "p", "d");
        try (LayerOutputs outputs = LayerOutputs.of(graph, chosen)) {
            for (int n : new int[] {32, 7, 32}) {
                INDArray x = batch(100 + n, n);
                Map<String, INDArray> expected = reference.feedForward(x, false);
                List<String> seen = new ArrayList<>();
                outputs.read(x, (vertex, output) -> {
                    seen.add(vertex);
                    assertArrayEquals(expected.get(vertex).shape(), output.shape(), vertex);
                    assertTrue(expected.get(vertex).equalsWithEps(output, 1e-5), vertex + " at a batch of " + n);
                    if (!vertex.equals("in")) {
                        assertTrue(output.isAttached(), vertex + " should live in the reused workspace");
                    }
                });
                assertEquals(chosen, seen);
            }
        }
    }

    @Test
    void anUnknownVertexIsNamedWithTheOnesThereAre() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LayerOutputs.of(trained(), List.of("conv9")));
        assertTrue(e.getMessage().contains("no vertex 'conv9'") && e.getMessage().contains("bn"), e.getMessage());
    }
}
