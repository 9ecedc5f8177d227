package org.convlab.infer;

import org.convlab.BadSettingException;
import org.convlab.Setting;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** One ranked answer: a class name and the model's probability for it. */
public record Prediction(String label, double probability) {

    /**
     * The {@code top} most probable labels for each row of {@code probabilities} ([N, K], K =
     * labels in output order), highest first.
     */
    public static List<List<Prediction>> ranked(INDArray probabilities, List<String> labels, int top) {
        requireTop(top);
        List<List<Prediction>> out = new ArrayList<>();
        for (int i = 0; i < probabilities.size(0); i++) {
            List<Prediction> row = new ArrayList<>();
            for (int c = 0; c < labels.size(); c++) {
                row.add(new Prediction(labels.get(c), probabilities.getDouble(i, c)));
            }
            row.sort(Comparator.comparingDouble(Prediction::probability).reversed());
            out.add(List.copyOf(row.subList(0, Math.min(top, row.size()))));
        }
        return out;
    }

    /** A top of at least 1. */
    public static void requireTop(int top) {
        if (top < 1) {
            throw new BadSettingException(Setting.TOP, "%s must be at least 1, received " + top);
        }
    }
}
