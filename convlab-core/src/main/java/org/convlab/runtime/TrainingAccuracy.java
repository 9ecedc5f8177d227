package org.convlab.runtime;

import org.convlab.runtime.dnnl.DnnlHelpers;
import org.deeplearning4j.nn.api.Layer;

/**
 * How many of the examples an output layer trained on it classified right, counted from the
 * predictions the training pass makes anyway (the running accuracy Keras reports during {@code fit},
 * dropout on, weights moving within the epoch). ConvLab's oneDNN output layer counts; reading the
 * counts resets them.
 *
 * <pre>{@code
 * TrainingAccuracy.take(graph.getOutputLayer(0));              // forget earlier passes
 * batches.forEachRemaining(graph::fit);
 * TrainingAccuracy epoch = TrainingAccuracy.take(graph.getOutputLayer(0));
 * if (epoch != null) System.out.println(epoch.accuracy());
 * }</pre>
 *
 * @param correct  examples whose highest output was their label's class
 * @param examples examples trained on
 */
public record TrainingAccuracy(long correct, long examples) {

    /** The share right; NaN before any example. */
    public double accuracy() {
        return examples == 0 ? Double.NaN : (double) correct / examples;
    }

    /** The counts since the last call, reset to zero; null where ConvLab's helper does not run {@code outputLayer}. */
    public static TrainingAccuracy take(Layer outputLayer) {
        long[] counts = DnnlHelpers.takeOutputCounts(outputLayer);
        return counts == null ? null : new TrainingAccuracy(counts[0], counts[1]);
    }
}
