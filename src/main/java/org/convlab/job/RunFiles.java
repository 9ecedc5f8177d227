package org.convlab.job;

import org.convlab.plot.ConfusionPlot;
import org.convlab.plot.Pictures;
import org.convlab.plot.TrainingCurves;
import org.convlab.train.EpochMetrics;
import org.convlab.train.EvaluationReport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The files a run leaves beside its model: {@code metrics.csv} (one row per epoch),
 * {@code curves.png} (loss and accuracy per epoch) and {@code confusion.png}.
 */
public final class RunFiles {
    private RunFiles() {
    }

    /**
     * Writes the files into {@code dir} and returns them by the name they get in the registry.
     *
     * @param confusionFrom the report whose confusion matrix is drawn (the test set's where there is one)
     */
    public static Map<String, Path> write(Path dir, String name, List<EpochMetrics> history, EvaluationReport confusionFrom)
            throws IOException {
        Map<String, Path> files = new LinkedHashMap<>();
        Path csv = dir.resolve("metrics.csv");
        Files.write(csv, Stream.concat(Stream.of(EpochMetrics.CSV_HEADER), history.stream().map(EpochMetrics::csv)).toList());
        files.put("metrics.csv", csv);
        Path curves = dir.resolve("curves.png");
        Pictures.writePng(TrainingCurves.render(history, name), curves);
        files.put("curves.png", curves);
        Path confusion = dir.resolve("confusion.png");
        Pictures.writePng(ConfusionPlot.render(confusionFrom.confusion(), confusionFrom.labels(),
                name + " on " + confusionFrom.data()), confusion);
        files.put("confusion.png", confusion);
        return files;
    }
}
