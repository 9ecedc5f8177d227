package org.convlab.runtime;

import org.convlab.runtime.dnnl.OneDnn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** The output layer's count of training examples classified right, against the predictions of the same pass worked out here. */
class TrainingAccuracyTest {
    private static final int CLASSES = 4;

    private static ComputationGraphConfiguration configuration() {
        return new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.FLOAT).updater(new Adam(1e-2))
                .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(6, 6, 2))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(5).activation(Activation.RELU).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().build(), "conv")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build(), "bn")
                .setOutputs("out").build();
    }

    /** A batch with seeded inputs and labels. */
    private static DataSet batch(long seed, int n) {
        Random random = new Random(seed);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, CLASSES);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, random.nextInt(CLASSES), 1f);
        }
        return new DataSet(SeededArrays.centred(seed, n, 2, 6, 6), y);
    }

    /** How many of {@code batch}'s examples the graph's training-mode pass (batch statistics, as fit's) gets right. */
    private static long rightInTrainingPass(ComputationGraph graph, DataSet batch) {
        INDArray p = graph.outputSingle(true, batch.getFeatures());
        long right = 0;
        for (int i = 0; i < p.size(0); i++) {
            int predicted = 0;
            int label = 0;
            for (int c = 1; c < CLASSES; c++) {
                predicted = p.getDouble(i, c) > p.getDouble(i, predicted) ? c : predicted;
                label = batch.getLabels().getDouble(i, c) > 0 ? c : label;
            }
            right += predicted == label ? 1 : 0;
        }
        return right;
    }

    @Test
    void countsEachFittedBatchsRightPredictionsUntilTaken() {
        OneDnn.require(); // fails where oneDNN should run and does not; skips only where another engine was asked for
        ComputationGraph graph = Networks.create(configuration());
        var out = graph.getOutputLayer(0);
        graph.outputSingle(false, batch(1, 8).getFeatures());
        assertEquals(new TrainingAccuracy(0, 0), TrainingAccuracy.take(out), "inference passes count nothing");

        long expected = 0;
        for (int step = 0; step < 3; step++) {
            DataSet b = batch(10 + step, 16);
            expected += rightInTrainingPass(graph, b); // the weights fit sees: it has not stepped yet
            graph.fit(b);
        }
        TrainingAccuracy counted = TrainingAccuracy.take(out);
        assertEquals(48, counted.examples());
        assertEquals(expected, counted.correct());
        assertTrue(expected > 0 && expected < 48, "a test that can tell right from wrong: " + expected + " of 48");
        assertEquals(new TrainingAccuracy(0, 0), TrainingAccuracy.take(out), "taking resets the counts");
        assertTrue(Double.isNaN(new TrainingAccuracy(0, 0).accuracy()));
    }

    @Test
    void dl4jsOwnOutputLayerCountsNothing() {
        ComputationGraph plain = new ComputationGraph(configuration());
        plain.init();
        plain.fit(batch(2, 8));
        assertNull(TrainingAccuracy.take(plain.getOutputLayer(0)));
    }
}
