package org.convlab.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * {@link InPlaceUpdater} against DL4J's own updater on a twin graph (its external-gradient path over
 * the same memory): the same parameters and Adam moments step after step, with batch norm's
 * statistics (not divided by the batch) and an L2 term in the mix; and that every road through
 * {@link Networks} keeps it, with the optimizer state it had.
 */
class InPlaceUpdaterTest {

    private static ComputationGraphConfiguration configuration() {
        return new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.FLOAT).updater(new Adam(0.01))
                .weightInit(WeightInit.RELU).l2(1e-3).graphBuilder()
                .addInputs("in").setInputTypes(InputType.convolutional(8, 8, 2))
                .addLayer("c", new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same)
                        .activation(Activation.RELU).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().build(), "c")
                .addLayer("d", new DenseLayer.Builder().nOut(10).activation(Activation.RELU).build(), "bn")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "d")
                .setOutputs("out").build();
    }

    private static DataSet batch(int step) {
        INDArray x = SeededArrays.centred(step, 12, 2, 8, 8);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 12, 3);
        for (int i = 0; i < 12; i++) {
            y.putScalar(i, (i + step) % 3, 1);
        }
        return new DataSet(x, y);
    }

    @Test
    void stepsAsDl4jsOwnUpdaterDoes() {
        ComputationGraph ours = Networks.create(configuration());
        ComputationGraph theirs = Networks.create(configuration());
        theirs.setUpdater(new ComputationGraphUpdater(theirs));
        assertInstanceOf(InPlaceUpdater.class, ours.getUpdater());
        assertFalse(theirs.getUpdater() instanceof InPlaceUpdater);
        assertEquals(theirs.params(), ours.params());
        for (int step = 0; step < 6; step++) {
            ours.fit(batch(step));
            theirs.fit(batch(step));
            assertEquals(theirs.params(), ours.params(), "parameters after step " + (step + 1));
            assertEquals(theirs.getUpdater().getStateViewArray(), ours.getUpdater().getStateViewArray(),
                    "Adam's moments after step " + (step + 1));
        }
        assertTrue(InPlaceUpdater.sameMemory(ours.gradient().gradient(), ours.getUpdater().getFlattenedGradientsView()),
                "the gradient a fit hands the updater should be the updater's own memory, so the in-place path runs");
    }

    @Test
    void sameMemoryMeansOneBufferOffsetAndLength() {
        INDArray flat = Nd4j.rand(DataType.FLOAT, 1, 20);
        assertTrue(InPlaceUpdater.sameMemory(flat.reshape(20), flat));
        assertFalse(InPlaceUpdater.sameMemory(flat.dup(), flat), "a copy is an external gradient");
        assertFalse(InPlaceUpdater.sameMemory(flat.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 20)), flat), "an offset view is other elements");
        assertFalse(InPlaceUpdater.sameMemory(null, flat));
    }

    @Test
    void everyRoadKeepsItWithItsState(@TempDir Path dir) throws IOException {
        ComputationGraph trained = Networks.create(configuration());
        for (int step = 0; step < 3; step++) {
            trained.fit(batch(step));
        }
        INDArray state = trained.getUpdater().getStateViewArray();

        ComputationGraph copy = Networks.copy(trained);
        assertInstanceOf(InPlaceUpdater.class, copy.getUpdater(false));
        assertEquals(state, copy.getUpdater().getStateViewArray());
        assertNotSame(state, copy.getUpdater().getStateViewArray());

        Path file = dir.resolve("model.zip");
        ModelSerializer.writeModel(trained, file.toFile(), true);
        ComputationGraph resumed = Networks.restore(file, true);
        assertInstanceOf(InPlaceUpdater.class, resumed.getUpdater(false));
        assertEquals(state, resumed.getUpdater().getStateViewArray());
        resumed.fit(batch(3));
        trained.fit(batch(3));
        assertEquals(trained.params(), resumed.params(), "a resumed graph steps as the one it was saved from");

        assertNull(Networks.restore(file, false).getUpdater(false), "a graph for inference carries no optimizer state");
    }
}
