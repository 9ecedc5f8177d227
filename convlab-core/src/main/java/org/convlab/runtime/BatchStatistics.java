package org.convlab.runtime;

import org.convlab.runtime.dnnl.DnnlHelpers;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The per-channel mean and biased variance of the batch a batch-norm layer normalised in its last
 * training pass, and how many training passes it has normalised so far (so a reader can tell the
 * figures are fresh). ConvLab's oneDNN batch norm keeps them for DL4J's running-average update;
 * reading them spares a second computation over the activations (precise batch norm).
 *
 * <pre>{@code
 * graph.output(true, batch);                                   // a training-mode forward pass
 * BatchStatistics s = BatchStatistics.lastOf((BatchNormalization) graph.getLayer("bn1"));
 * if (s != null) use(s.mean(), s.variance());
 * }</pre>
 */
public record BatchStatistics(double[] mean, double[] variance, long passes) {

    /** The layer's last training batch's statistics; null where ConvLab's helper does not run it or it has not trained. */
    public static BatchStatistics lastOf(BatchNormalization layer) {
        long passes = DnnlHelpers.batchNormTrainingPasses(layer);
        if (passes == 0) {
            return null;
        }
        BatchNormalizationHelper helper = (BatchNormalizationHelper) DnnlHelpers.helperOf(layer);
        return new BatchStatistics(helper.getMeanCache(DataType.FLOAT).toDoubleVector(),
                helper.getVarCache(DataType.FLOAT).toDoubleVector(), passes);
    }
}
