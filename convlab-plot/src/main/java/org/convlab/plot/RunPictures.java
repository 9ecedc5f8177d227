package org.convlab.plot;

import org.convlab.job.RunFigures;
import org.convlab.train.EpochMetrics;
import org.convlab.train.EvaluationReport;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A run's {@code curves.png} (loss and accuracy per epoch) and {@code confusion.png}, drawn with XChart. */
public final class RunPictures implements RunFigures {
    public static final RunPictures INSTANCE = new RunPictures();

    private RunPictures() {
    }

    @Override
    public Map<String, Path> draw(Path dir, String name, List<EpochMetrics> history, EvaluationReport confusionFrom)
            throws IOException {
        Map<String, Path> files = new LinkedHashMap<>();
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
