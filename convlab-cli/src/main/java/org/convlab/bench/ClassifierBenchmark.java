package org.convlab.bench;

import org.convlab.infer.Classifier;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A stored model end to end, as a service embedding {@link Classifier} runs it: decode, resize and
 * preprocess an image file, forward pass, ranking. Throughput at a batch size (one
 * {@code predictBatch} call of that many images) and single-image latency; the ceiling an HTTP
 * server on the same model can approach.
 */
public final class ClassifierBenchmark {
    private ClassifierBenchmark() {
    }

    /** Medians of the timed runs; latency percentiles over single-image calls. */
    public record Result(String model, int batch, int iterations, double imagesPerSec, double latencyMsP50, double latencyMsP99) {
    }

    public static Result run(Classifier classifier, Path image, int batch, int warmup, int iterations, int latencySamples,
                             Duration settle) {
        List<Path> images = Collections.nCopies(batch, image);
        for (int i = 0; i < warmup; i++) {
            classifier.predictBatch(images, 1);
            classifier.predict(image, 1);
        }
        JitSettle.run(() -> classifier.predictBatch(images, 1), settle);
        double[] rates = new double[iterations];
        for (int i = 0; i < iterations; i++) {
            long start = System.nanoTime();
            classifier.predictBatch(images, 1);
            rates[i] = batch / ((System.nanoTime() - start) / 1e9);
        }
        JitSettle.run(() -> classifier.predict(image, 1), settle);
        double[] latencies = new double[latencySamples];
        for (int i = 0; i < latencySamples; i++) {
            long start = System.nanoTime();
            classifier.predict(image, 1);
            latencies[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(rates);
        Arrays.sort(latencies);
        return new Result(classifier.card().name() + ":" + classifier.card().version(), batch, iterations, rates[iterations / 2],
                latencies[latencySamples / 2], latencies[Math.min(latencySamples - 1, (int) Math.ceil(0.99 * latencySamples) - 1)]);
    }
}
