package org.convlab.train;

import org.convlab.runtime.BatchStatistics;
import org.convlab.runtime.Networks;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Recomputes every batch-norm layer's running mean and variance from training images ("precise
 * batch norm"): the network runs forward in training mode, as during fitting, and each layer's
 * statistics become the mean and variance of its input over those images. Where ConvLab's oneDNN
 * batch norm runs the layers, it computed each batch's figures already ({@link BatchStatistics});
 * elsewhere the activations are read back and reduced here.
 *
 * <p>Needed after gradient sharing on Spark: DL4J moves the running statistics by pseudo-gradients,
 * which sharing threshold-encodes like real updates, so they lag far behind the activations and
 * inference, which uses them, falls to chance (fruits-cnn-bn, one epoch on 4,000 Fashion-MNIST
 * images in local[2]: test accuracy 0.0946 without this, 0.7243 with it). Parameter averaging
 * leaves them behind too when it averages often, each worker's moving average taking one step per
 * batch between two averagings.
 *
 * <pre>{@code
 * int layers = BatchNormRecalibration.recalibrate(graph, train.iterator(32, true, 42), 4096);
 * }</pre>
 */
public final class BatchNormRecalibration {
    /** Images the statistics are taken from by default: enough for a stable mean and variance per channel. */
    public static final int DEFAULT_IMAGES = 4096;
    /** The smallest variance written: a channel that never fires must not become log10(0). */
    private static final double MIN_VARIANCE = 1e-8;

    private BatchNormRecalibration() {
    }

    /**
     * Sets the running statistics of {@code graph}'s batch-norm layers from up to {@code maxImages}
     * images of {@code data}; returns how many layers were set (0 when it has none).
     */
    public static int recalibrate(ComputationGraph graph, DataSetIterator data, int maxImages) {
        List<String> layers = new ArrayList<>();
        for (GraphVertex v : graph.getVertices()) {
            if (v.hasLayer() && v.getLayer() instanceof BatchNormalization) {
                layers.add(v.getVertexName());
            }
        }
        if (layers.isEmpty()) {
            return 0;
        }
        // First choice: the layers' own statistics of each batch (ConvLab's oneDNN batch norm keeps
        // them), on a copy as fast as the graph; else the activations read back and reduced here.
        ComputationGraph fast = Networks.copy(graph);
        ComputationGraph probe = null;
        Map<String, Moments> moments = new LinkedHashMap<>();
        long seen = 0;
        long fastPasses = 0;
        while (data.hasNext() && seen < maxImages) {
            DataSet batch = data.next();
            INDArray features = batch.getFeatures(); // the source's own array: it may be read again
            if (fast != null && addKeptStatistics(fast, layers, features, fastPasses + 1, moments)) {
                fastPasses++;
            } else if (fast != null) {
                fast = null;
                probe = Networks.inspectable(graph); // plain NCHW activations to read
            }
            if (probe != null) {
                addActivationStatistics(probe, layers, features, batch.numExamples(), moments);
            }
            seen += batch.numExamples();
        }
        for (String name : layers) {
            moments.get(name).writeTo((BatchNormalization) graph.getLayer(name));
        }
        return layers.size();
    }

    /**
     * Runs {@code features} forward in training mode and adds each layer's statistics of the batch,
     * as its helper computed them; false, adding nothing, if some layer's helper did not (its
     * count of training passes is not {@code passes}: the copy's helpers started at 0).
     */
    private static boolean addKeptStatistics(ComputationGraph fast, List<String> layers, INDArray features, long passes,
                                             Map<String, Moments> moments) {
        release(fast.outputSingle(true, features));
        List<BatchStatistics> fresh = new ArrayList<>();
        for (String name : layers) {
            BatchStatistics s = BatchStatistics.lastOf((BatchNormalization) fast.getLayer(name));
            if (s == null || s.passes() != passes) {
                return false;
            }
            fresh.add(s);
        }
        // Weighted by images: every batch has the same values per image and channel, a factor that cancels.
        for (int i = 0; i < layers.size(); i++) {
            moments.computeIfAbsent(layers.get(i), n -> new Moments()).add(fresh.get(i).mean(), fresh.get(i).variance(),
                    features.size(0));
        }
        return true;
    }

    private static void addActivationStatistics(ComputationGraph probe, List<String> layers, INDArray features,
                                                int examples, Map<String, Moments> moments) {
        Map<String, INDArray> activations = probe.feedForward(new INDArray[]{features}, true, false);
        for (String name : layers) {
            INDArray input = inputOf(probe, name, activations, examples);
            moments.computeIfAbsent(name, n -> new Moments()).add(input, channelAxis(probe, name, input));
            if (input != features && activations.values().stream().noneMatch(a -> a == input)) {
                release(input); // a preprocessor's output
            }
        }
        activations.values().stream().filter(a -> a != features).forEach(BatchNormRecalibration::release);
    }

    /**
     * Frees an array's off-heap buffer now: these live outside any workspace, and the garbage
     * collector, seeing only small Java objects, let a process reach 24 GB before it ran.
     */
    private static void release(INDArray array) {
        if (array != null && !array.wasClosed() && array.closeable()) {
            array.close();
        }
    }

    private static INDArray inputOf(ComputationGraph probe, String layer, Map<String, INDArray> activations, int examples) {
        String from = probe.getConfiguration().getVertexInputs().get(layer).get(0);
        INDArray input = activations.get(from);
        InputPreProcessor pre = ((LayerVertex) probe.getVertex(layer)).getLayerPreProcessor();
        return pre == null ? input : pre.preProcess(input, examples, LayerWorkspaceMgr.noWorkspaces());
    }

    private static int channelAxis(ComputationGraph probe, String layer, INDArray input) {
        if (input.rank() != 4) {
            return 1;
        }
        org.deeplearning4j.nn.conf.layers.BatchNormalization conf =
                (org.deeplearning4j.nn.conf.layers.BatchNormalization) probe.getLayer(layer).conf().getLayer();
        return conf.getCnn2DFormat() == CNN2DFormat.NHWC ? 3 : 1;
    }

    /**
     * Mean and variance per channel over every batch so far: each batch's own (computed by ND4J in
     * the activations' precision, without copies) merged in double by Chan's pairwise formula.
     */
    private static final class Moments {
        private double[] mean;
        private double[] m2; // sum of squared deviations from the mean
        private long count;

        void add(INDArray input, int channelAxis) {
            int[] others = IntStream.range(0, input.rank()).filter(d -> d != channelAxis).toArray();
            boolean wide = input.dataType() == DataType.FLOAT || input.dataType() == DataType.DOUBLE;
            INDArray x = wide ? input : input.castTo(DataType.FLOAT); // half precision would lose the sums
            INDArray batchMeans = x.mean(others);
            INDArray batchVariances = x.var(false, others);
            if (x != input) {
                release(x);
            }
            double[] bm = batchMeans.toDoubleVector();
            double[] bv = batchVariances.toDoubleVector();
            release(batchMeans);
            release(batchVariances);
            add(bm, bv, input.length() / bm.length);
        }

        /** Merges a batch's per-channel means and biased variances, over {@code n} values per channel (or any fixed multiple). */
        void add(double[] bm, double[] bv, long n) {
            if (mean == null) {
                mean = new double[bm.length];
                m2 = new double[bm.length];
            }
            long total = count + n;
            for (int c = 0; c < bm.length; c++) {
                double delta = bm[c] - mean[c];
                mean[c] += delta * n / total;
                m2[c] += bv[c] * n + delta * delta * count * n / total;
            }
            count = total;
        }

        void writeTo(BatchNormalization layer) {
            double[] variance = new double[mean.length];
            for (int c = 0; c < mean.length; c++) {
                variance[c] = Math.max(MIN_VARIANCE, m2[c] / count);
            }
            set(layer, BatchNormalizationParamInitializer.GLOBAL_MEAN, mean);
            if (layer.layerConf().isUseLogStd()) {
                double[] log10Std = new double[variance.length];
                for (int c = 0; c < variance.length; c++) {
                    log10Std[c] = 0.5 * Math.log10(variance[c]);
                }
                set(layer, BatchNormalizationParamInitializer.GLOBAL_LOG_STD, log10Std);
            } else {
                set(layer, BatchNormalizationParamInitializer.GLOBAL_VAR, variance);
            }
        }

        private static void set(BatchNormalization layer, String param, double[] values) {
            INDArray view = layer.getParam(param); // a view of the network's parameter vector
            view.assign(Nd4j.createFromArray(values).castTo(view.dataType()).reshape(view.shape()));
        }
    }
}
