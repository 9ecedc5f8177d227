package org.convlab.train;

import java.util.List;

/**
 * How a model does on a labelled set: accuracy, top-5 accuracy, mean cross-entropy loss,
 * precision/recall/F1 per class, the confusion matrix (rows: actual, columns: predicted, in label
 * order) and the most frequent confusions.
 */
public record EvaluationReport(String data, int examples, double accuracy, double top5Accuracy, double loss,
                               List<String> labels, List<ClassScore> perClass, int[][] confusion,
                               List<Confusion> worstConfusions) {

    public record ClassScore(String label, double precision, double recall, double f1, int support) {
    }

    /** {@code count} images of {@code actual} were predicted as {@code predicted}. */
    public record Confusion(String actual, String predicted, int count) {
    }
}
