package org.convlab.serve;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.IntSupplier;

/**
 * The server's Prometheus metrics, in a registry of its own (two servers in one JVM do not mix):
 * requests by model, version and status code; request latency, queue time and batch size
 * histograms; queue depth.
 */
final class ServerMetrics {
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests = Counter.builder().name("convlab_requests_total")
            .help("Inference requests by model, version and HTTP status code").labelNames("model", "version", "code")
            .register(registry);
    private final Histogram latency = Histogram.builder().name("convlab_request_seconds")
            .help("Inference request latency, from arrival to answer").labelNames("model").classicOnly()
            .classicUpperBounds(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10).register(registry);
    private final Histogram queueTime = Histogram.builder().name("convlab_queue_seconds")
            .help("Time a request waited for its batch to start").labelNames("model").classicOnly()
            .classicUpperBounds(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2).register(registry);
    private final Histogram batchSize = Histogram.builder().name("convlab_batch_size")
            .help("Images per forward pass").labelNames("model").classicOnly()
            .classicUpperBounds(1, 2, 4, 8, 16, 32, 64, 128, 256).register(registry);

    ServerMetrics(IntSupplier queueDepth) {
        GaugeWithCallback.builder().name("convlab_queue_depth").help("Requests waiting for a batch, all models")
                .callback(cb -> cb.call(queueDepth.getAsInt())).register(registry);
    }

    void request(String model, String version, int code, double seconds) {
        requests.labelValues(model, version, String.valueOf(code)).inc();
        if (code == 200) {
            latency.labelValues(model).observe(seconds);
        }
    }

    DynamicBatcher.Observer observer(String model, int version) {
        return new DynamicBatcher.Observer() {
            @Override
            public void batchRan(int images, double seconds) {
                batchSize.labelValues(model).observe(images);
            }

            @Override
            public void waited(double seconds) {
                queueTime.labelValues(model).observe(seconds);
            }
        };
    }

    /** Prometheus' text format. */
    String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape(), io.prometheus.metrics.config.EscapingScheme.ALLOW_UTF8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(java.nio.charset.StandardCharsets.UTF_8);
    }

    static String contentType() {
        return PrometheusTextFormatWriter.CONTENT_TYPE;
    }
}
