package org.convlab.train;

import org.convlab.BadSettingException;
import org.convlab.Setting;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * How one epoch of training data goes into a graph: in this JVM ({@link Trainer}'s own loop), or on
 * Spark's workers ({@code org.convlab.spark.SparkTrainer}). {@link Trainer} does everything around
 * it the same way for both: progress, validation, early stopping, checkpoints and resume.
 *
 * <pre>{@code
 * EpochFit oneBatchAnEpoch = (graph, epoch, listener) -> {
 *     graph.fit(batch);
 *     return new EpochFit.Fitted(graph, graph.score(), batch.numExamples());
 * };
 * }</pre>
 */
@FunctionalInterface
public interface EpochFit {
    /**
     * What an epoch gave.
     *
     * @param graph  the graph that now holds the weights: the one passed in, or one that replaced it
     * @param loss     the mean training loss over the epoch; NaN where the fit cannot tell (DL4J's gradient
     *                 sharing reports none), and the loss on a sample of training images after the epoch stands in
     * @param accuracy the share of the epoch's training images classified right as they were fitted (Keras'
     *                 running accuracy); NaN where the fit cannot tell, and a sample's after the epoch stands in
     * @param images   how many training images went in
     */
    record Fitted(ComputationGraph graph, double loss, double accuracy, long images) {
        /** An epoch whose running accuracy is not known. */
        public Fitted(ComputationGraph graph, double loss, long images) {
            this(graph, loss, Double.NaN, images);
        }
    }

    /** Fits epoch {@code epoch} (1-based) into {@code graph}, telling {@code listener} about batches as they go. */
    Fitted fit(ComputationGraph graph, int epoch, TrainingListener listener);

    /**
     * The optimizer steps an epoch of {@code batches} batches takes: the iterations the learning-rate
     * schedule (and Adam's bias correction) count. One per batch in this JVM; fewer where workers fit
     * batches side by side and combine them into one step.
     */
    default int stepsPerEpoch(int batches) {
        return batches;
    }

    /** Whether each epoch ends with batch norm's statistics recomputed already (so the run need not). */
    default boolean recomputesBatchNorm() {
        return false;
    }

    /** Stops a run whose loss is no longer a number, saying which setting to change. */
    static void requireFinite(double loss, int epoch) {
        if (!Double.isFinite(loss)) {
            throw new BadSettingException(Setting.LEARNING_RATE, "training diverged at epoch " + epoch + " (loss " + loss
                    + "); try a smaller %s");
        }
    }
}
