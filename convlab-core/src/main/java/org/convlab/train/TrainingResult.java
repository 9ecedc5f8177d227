package org.convlab.train;

import org.deeplearning4j.nn.graph.ComputationGraph;

import java.util.List;

/** The outcome of a run: the best network (by validation loss), its history, and how it ended. */
public record TrainingResult(ComputationGraph graph, List<EpochMetrics> history, int bestEpoch, boolean stoppedEarly,
                             double seconds) {
    /** The same outcome with another copy of the network (the same weights in another form). */
    public TrainingResult withGraph(ComputationGraph other) {
        return new TrainingResult(other, history, bestEpoch, stoppedEarly, seconds);
    }
}
