package org.convlab.infer;

/** One ranked answer: a class name and the model's probability for it. */
public record Prediction(String label, double probability) {
}
