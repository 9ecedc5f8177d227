package org.convlab.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/** ModelZip's files against DL4J's own ModelSerializer: the same entries, byte for byte, and the same graph read back. */
class ModelZipTest {

    @Test
    void writesTheEntriesModelSerializerWritesAndRestoresTheSameGraph(@TempDir Path dir) throws IOException {
        ComputationGraph graph = trainedTwice();
        Path ours = dir.resolve("ours.zip");
        Path theirs = dir.resolve("theirs.zip");
        ModelZip.write(graph, ours, true);
        ModelSerializer.writeModel(graph, theirs.toFile(), true);

        Map<String, byte[]> expected = entries(theirs);
        assertEquals(Map.of("configuration.json", 0, "coefficients.bin", 0, "updaterState.bin", 0).keySet(), expected.keySet());
        Map<String, byte[]> actual = entries(ours);
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((name, bytes) -> assertArrayEquals(bytes, actual.get(name), name));

        ComputationGraph back = Networks.restore(ours, true);
        assertEquals(graph.params(), back.params());
        assertNotNull(back.getUpdater().getStateViewArray());
        assertEquals(graph.getUpdater().getStateViewArray(), back.getUpdater().getStateViewArray());
        assertEquals(graph.getConfiguration().toJson(), back.getConfiguration().toJson());
    }

    @Test
    void withoutTheUpdaterLeavesItsStateOut(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("m.zip");
        ModelZip.write(trainedTwice(), file, false);
        assertEquals(java.util.Set.of("configuration.json", "coefficients.bin"), entries(file).keySet());
    }

    /** A small convolution net with Adam state (two steps taken, so the moments are not zero). */
    private static ComputationGraph trainedTwice() {
        ComputationGraph graph = Networks.create(new NeuralNetConfiguration.Builder().seed(7).dataType(DataType.FLOAT)
                .updater(new Adam(1e-2)).graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(6, 6, 2))
                .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build(), "in")
                .addLayer("bn", new BatchNormalization.Builder().build(), "conv")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "bn")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build());
        Nd4j.getRandom().setSeed(11);
        DataSet batch = new DataSet(Nd4j.rand(DataType.FLOAT, 5, 2, 6, 6), Nd4j.eye(3).getRows(0, 1, 2, 0, 1));
        graph.fit(batch);
        graph.fit(batch);
        return graph;
    }

    private static Map<String, byte[]> entries(Path file) throws IOException {
        Map<String, byte[]> entries = new TreeMap<>();
        try (ZipFile zip = new ZipFile(file.toFile())) {
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                entries.put(e.getName(), zip.getInputStream(e).readAllBytes());
            }
        }
        return entries;
    }
}
