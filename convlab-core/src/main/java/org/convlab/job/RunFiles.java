package org.convlab.job;

import org.convlab.data.ImageSource;
import org.convlab.train.EpochMetrics;
import org.convlab.train.EvaluationReport;
import org.convlab.runtime.Int8Calibration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The files a run leaves beside its model: {@code metrics.csv} (one row per epoch), the request's
 * {@link RunFigures} (curves and confusion matrix where the caller passes a drawer), and the int8
 * calibration ({@value Int8Calibration#FILE}).
 */
public final class RunFiles {
    private static final int CALIBRATION_BATCH = 64;

    private RunFiles() {
    }

    /**
     * Writes the files into {@code dir} and returns them by the name they get in the registry.
     *
     * @param confusionFrom the report whose confusion matrix is drawn (the test set's where there is one)
     */
    public static Map<String, Path> write(Path dir, String name, List<EpochMetrics> history, EvaluationReport confusionFrom,
                                          RunFigures figures) throws IOException {
        Map<String, Path> files = new LinkedHashMap<>();
        Path csv = dir.resolve("metrics.csv");
        Files.write(csv, Stream.concat(Stream.of(EpochMetrics.CSV_HEADER), history.stream().map(EpochMetrics::csv)).toList());
        files.put("metrics.csv", csv);
        files.putAll(figures.draw(dir, name, history, confusionFrom));
        return files;
    }

    /**
     * Measures the int8 calibration of {@code graph} on up to {@value Int8Calibration#DEFAULT_IMAGES}
     * images of {@code source} (as preprocessed for training, not augmented), writes it into {@code dir}
     * and adds it to {@code files}.
     */
    public static void addCalibration(Map<String, Path> files, Path dir, ComputationGraph graph, ImageSource source,
                                      long seed) {
        Path file = dir.resolve(Int8Calibration.FILE);
        calibration(graph, source, seed).write(file);
        files.put(Int8Calibration.FILE, file);
    }

    /** The int8 calibration of {@code graph} over up to {@value Int8Calibration#DEFAULT_IMAGES} images of {@code source}. */
    public static Int8Calibration calibration(ComputationGraph graph, ImageSource source, long seed) {
        ImageSource sample = source.size() > Int8Calibration.DEFAULT_IMAGES
                ? source.limit(Int8Calibration.DEFAULT_IMAGES, seed) : source;
        List<INDArray> images = new ArrayList<>();
        // Batches of 64: the probe keeps every layer's output of a batch at once, and in batches of 256
        // those arrays alone made the main job's calibration 1.5-5 s instead of 1.0-1.2 s.
        sample.iterator(CALIBRATION_BATCH, false, seed).forEachRemaining(batch -> images.add(batch.getFeatures()));
        return Int8Calibration.measure(graph, images);
    }
}
