package org.convlab.train;

import org.convlab.runtime.Networks;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Running statistics recomputed from data equal the mean and variance worked out here by loops. */
class BatchNormRecalibrationTest {
    private static final double[] MEANS = {5.0, -1.0};
    private static final double[] DEVIATIONS = {2.0, 0.5};

    @Test
    void runningStatisticsBecomeTheInputsMeanAndVariancePerChannel() {
        ComputationGraph graph = graph(InputType.convolutional(3, 3, 2), new GlobalPoolingLayer.Builder(PoolingType.AVG).build());
        List<DataSet> batches = images(3, 40, new Random(7));
        double[][] expected = moments(batches, 3);

        assertEquals(1, BatchNormRecalibration.recalibrate(graph, new ListDataSetIterator<>(batches, 1), 10_000));

        assertMoments(expected, graph);
        // The layer now normalises in inference: mean 0, variance 1 per channel (gamma 1, beta 0 as initialised).
        INDArray all = Nd4j.concat(0, batches.stream().map(DataSet::getFeatures).toArray(INDArray[]::new));
        INDArray normalised = Networks.inspectable(graph).feedForward(all, false).get("bn");
        for (int c = 0; c < 2; c++) {
            INDArray channel = normalised.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.point(c));
            assertEquals(0.0, channel.meanNumber().doubleValue(), 1e-4);
            assertEquals(1.0, channel.varNumber().doubleValue() * (channel.length() - 1) / channel.length(), 1e-3);
        }
    }

    @Test
    void batchesOfUnequalSizeCountByTheirImages() {
        ComputationGraph graph = graph(InputType.convolutional(3, 3, 2), new GlobalPoolingLayer.Builder(PoolingType.AVG).build());
        List<DataSet> batches = new ArrayList<>(images(2, 40, new Random(5)));
        batches.addAll(images(1, 7, new Random(6)));
        BatchNormRecalibration.recalibrate(graph, new ListDataSetIterator<>(batches, 1), 10_000);
        assertMoments(moments(batches, 3), graph);
    }

    @Test
    void onlyTheFirstImagesAreReadWhenCapped() {
        ComputationGraph graph = graph(InputType.convolutional(3, 3, 2), new GlobalPoolingLayer.Builder(PoolingType.AVG).build());
        List<DataSet> batches = images(3, 40, new Random(8));
        BatchNormRecalibration.recalibrate(graph, new ListDataSetIterator<>(batches, 1), 40);
        assertMoments(moments(batches.subList(0, 1), 3), graph);
    }

    @Test
    void aLayerAfterDenseInputIsSetPerFeature() {
        ComputationGraph graph = graph(InputType.feedForward(2), null);
        List<DataSet> batches = new ArrayList<>();
        Random random = new Random(9);
        for (int b = 0; b < 2; b++) {
            INDArray x = Nd4j.create(50, 2);
            for (int i = 0; i < 50; i++) {
                for (int c = 0; c < 2; c++) {
                    x.putScalar(i, c, MEANS[c] + DEVIATIONS[c] * random.nextGaussian());
                }
            }
            batches.add(new DataSet(x, labels(50)));
        }
        BatchNormRecalibration.recalibrate(graph, new ListDataSetIterator<>(batches, 1), 10_000);
        assertMoments(moments(batches, 1), graph);
    }

    @Test
    void aGraphWithoutBatchNormIsLeftAlone() {
        ComputationGraph graph = Networks.create(new NeuralNetConfiguration.Builder().seed(1).graphBuilder().addInputs("in")
                .addLayer("out", new OutputLayer.Builder().nIn(2).nOut(2).activation(Activation.SOFTMAX)
                        .lossFunction(LossFunctions.LossFunction.MCXENT).build(), "in")
                .setOutputs("out").setInputTypes(InputType.feedForward(2)).build());
        INDArray before = graph.params().dup();
        assertEquals(0, BatchNormRecalibration.recalibrate(graph, new ListDataSetIterator<>(images(1, 4, new Random(1)), 1), 100));
        assertEquals(before, graph.params());
    }

    private static ComputationGraph graph(InputType input, org.deeplearning4j.nn.conf.layers.Layer pooling) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().seed(1).graphBuilder().addInputs("in")
                .addLayer("bn", new BatchNormalization.Builder().build(), "in");
        String last = "bn";
        if (pooling != null) {
            b.addLayer("pool", pooling, "bn");
            last = "pool";
        }
        return Networks.create(b.addLayer("out", new OutputLayer.Builder().nOut(2).activation(Activation.SOFTMAX)
                        .lossFunction(LossFunctions.LossFunction.MCXENT).build(), last)
                .setOutputs("out").setInputTypes(input).build());
    }

    /** Batches of 2-channel 3x3 images whose channels have their own mean and deviation. */
    private static List<DataSet> images(int batches, int size, Random random) {
        List<DataSet> out = new ArrayList<>();
        for (int b = 0; b < batches; b++) {
            INDArray x = Nd4j.create(size, 2, 3, 3);
            for (int i = 0; i < size; i++) {
                for (int c = 0; c < 2; c++) {
                    for (int h = 0; h < 3; h++) {
                        for (int w = 0; w < 3; w++) {
                            x.putScalar(new int[]{i, c, h, w}, MEANS[c] + DEVIATIONS[c] * random.nextGaussian());
                        }
                    }
                }
            }
            out.add(new DataSet(x, labels(size)));
        }
        return out;
    }

    private static INDArray labels(int size) {
        INDArray y = Nd4j.zeros(size, 2);
        for (int i = 0; i < size; i++) {
            y.putScalar(i, i % 2, 1.0);
        }
        return y;
    }

    /** {mean, population variance} per channel over every value of every batch, by plain loops. */
    private static double[][] moments(List<DataSet> batches, int side) {
        double[] sum = new double[2];
        double[] squares = new double[2];
        long n = 0;
        for (DataSet ds : batches) {
            INDArray x = ds.getFeatures();
            for (int i = 0; i < x.size(0); i++) {
                for (int c = 0; c < 2; c++) {
                    for (int p = 0; p < side * side; p++) {
                        double v = x.rank() == 4 ? x.getDouble(i, c, p / side, p % side) : x.getDouble(i, c);
                        sum[c] += v;
                        squares[c] += v * v;
                    }
                }
                n += side * side;
            }
        }
        double[] mean = {sum[0] / n, sum[1] / n};
        return new double[][]{mean, {squares[0] / n - mean[0] * mean[0], squares[1] / n - mean[1] * mean[1]}};
    }

    private static void assertMoments(double[][] expected, ComputationGraph graph) {
        INDArray mean = graph.getLayer("bn").getParam(BatchNormalizationParamInitializer.GLOBAL_MEAN);
        INDArray log10Std = graph.getLayer("bn").getParam(BatchNormalizationParamInitializer.GLOBAL_LOG_STD);
        for (int c = 0; c < 2; c++) {
            assertEquals(expected[0][c], mean.getDouble(c), 1e-4 * Math.abs(expected[0][c]));
            assertEquals(expected[1][c], Math.pow(10, 2 * log10Std.getDouble(c)), 1e-4 * expected[1][c]);
        }
    }
}
