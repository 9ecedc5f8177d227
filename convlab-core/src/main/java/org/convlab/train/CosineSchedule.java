package org.convlab.train;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Cosine annealing (Loshchilov and Hutter, 2017) per iteration: the rate starts at
 * {@code initialValue} and follows half a cosine down to 0 at {@code totalIterations}, then stays
 * there. ND4J 1.0.0-M2.1 ships step, exponential and polynomial schedules but no cosine one.
 *
 * <p>Example: {@code new CosineSchedule(1e-3, 1000).valueAt(500, 0)} is {@code 5e-4}.
 *
 * <p>Counted in iterations (minibatches), which DL4J keeps with the model; stored inside the model's configuration JSON (ND4J names the class there), so a checkpoint
 * resumes on the same curve.
 */
public final class CosineSchedule implements ISchedule {
    private final double initialValue;
    private final int totalIterations;

    @JsonCreator
    public CosineSchedule(@JsonProperty("initialValue") double initialValue, @JsonProperty("totalIterations") int totalIterations) {
        if (totalIterations < 1) {
            throw new IllegalArgumentException("totalIterations must be at least 1, received " + totalIterations);
        }
        this.initialValue = initialValue;
        this.totalIterations = totalIterations;
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        double progress = Math.min(1.0, Math.max(0, iteration) / (double) totalIterations);
        return initialValue * 0.5 * (1 + Math.cos(Math.PI * progress));
    }

    @JsonProperty("initialValue")
    public double initialValue() {
        return initialValue;
    }

    @JsonProperty("totalIterations")
    public int totalIterations() {
        return totalIterations;
    }

    @Override
    public ISchedule clone() {
        return new CosineSchedule(initialValue, totalIterations);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CosineSchedule c && c.initialValue == initialValue && c.totalIterations == totalIterations;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(initialValue) * 31 + totalIterations;
    }

    @Override
    public String toString() {
        return "CosineSchedule(" + initialValue + ", " + totalIterations + ")";
    }
}
