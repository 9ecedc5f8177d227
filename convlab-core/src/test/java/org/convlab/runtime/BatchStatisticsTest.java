package org.convlab.runtime;

import org.convlab.runtime.dnnl.OneDnn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** A batch-norm layer's kept statistics of its last training batch, against loops over that batch. */
class BatchStatisticsTest {

    @Test
    void theLastTrainingBatchsMeanAndBiasedVariancePerChannel() {
        OneDnn.require(); // fails where oneDNN should run and does not; skips only where another engine was asked for
        ComputationGraph graph = Networks.create(new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT)
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(4, 5, 3))
                .addLayer("bn", new BatchNormalization.Builder().build(), "in")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "bn")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build());
        var layer = (org.deeplearning4j.nn.layers.normalization.BatchNormalization) graph.getLayer("bn");
        assertNull(BatchStatistics.lastOf(layer), "no training pass yet");
        graph.outputSingle(false, Nd4j.rand(DataType.FLOAT, 2, 3, 4, 5));
        assertNull(BatchStatistics.lastOf(layer), "an inference pass keeps nothing");

        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.FLOAT, 6, 3, 4, 5).muli(4).subi(1);
        graph.outputSingle(true, x);
        BatchStatistics s = BatchStatistics.lastOf(layer);
        assertEquals(1, s.passes());
        double[] mean = new double[3];
        double[] variance = new double[3];
        for (int c = 0; c < 3; c++) {
            double sum = 0, squares = 0;
            for (int i = 0; i < 6; i++) {
                for (int h = 0; h < 4; h++) {
                    for (int w = 0; w < 5; w++) {
                        double v = x.getDouble(i, c, h, w);
                        sum += v;
                        squares += v * v;
                    }
                }
            }
            mean[c] = sum / 120;
            variance[c] = squares / 120 - mean[c] * mean[c];
        }
        assertArrayEquals(mean, s.mean(), 1e-5);
        assertArrayEquals(variance, s.variance(), 1e-4);
    }
}
