package org.convlab.train;

import org.convlab.arch.ArchitectureSpec;
import org.convlab.arch.GraphBuilder;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * Makes the network a fresh run starts from. The standard one builds the spec with the run's seed,
 * learning rate, schedule and initialisation; another can start from imported weights or build
 * for another trainer (Spark) the same way.
 */
@FunctionalInterface
public interface GraphFactory {
    /**
     * @param iterations the run's total number of mini-batch steps (a schedule spans them)
     */
    ComputationGraph create(ArchitectureSpec spec, TrainingOptions options, int iterations);

    /**
     * What, beyond the spec and the options, decides the network this factory makes (a base model, frozen
     * layers): a checkpoint made from another start is not resumed. Empty for the standard start.
     */
    default String startingPoint() {
        return "";
    }

    /** {@link GraphBuilder} with the options' seed, learning rate and schedule, and weight initialisation. */
    GraphFactory STANDARD = (spec, o, iterations) -> GraphBuilder.of(spec).optSeed(o.seed()).optLearningRate(o.learningRate())
            .optLearningRateSchedule(o.learningRateSchedule().dl4j(o.learningRate(), iterations))
            .optWeightInit(o.weightInit()).build();
}
