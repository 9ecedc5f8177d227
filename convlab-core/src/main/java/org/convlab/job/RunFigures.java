package org.convlab.job;

import org.convlab.train.EpochMetrics;
import org.convlab.train.EvaluationReport;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Pictures of a finished run, stored beside its model. The core draws none (it carries no chart
 * library); {@code org.convlab.plot.RunPictures} of {@code convlab-plot} draws the training curves
 * and the confusion matrix, and the command line passes it with every run.
 */
@FunctionalInterface
public interface RunFigures {
    /** No pictures: the run stores its model, card, metrics and calibration only. */
    RunFigures NONE = (dir, name, history, confusionFrom) -> Map.of();

    /**
     * Draws into {@code dir} and returns the files by the name they get in the registry.
     *
     * @param confusionFrom the report whose confusion matrix is drawn (the test set's where there is one)
     */
    Map<String, Path> draw(Path dir, String name, List<EpochMetrics> history, EvaluationReport confusionFrom)
            throws IOException;
}
