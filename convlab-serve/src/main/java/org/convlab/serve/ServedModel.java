package org.convlab.serve;

import org.convlab.data.Preprocessor;
import org.convlab.infer.Embeddings;
import org.convlab.runtime.Precision;
import org.convlab.zoo.ModelCard;
import org.convlab.zoo.StoredModel;

/**
 * One stored model version as the server runs it: its card, its preprocessing, its batcher, and the batcher of
 * its embeddings (made at the first request for them).
 */
record ServedModel(String name, int version, ModelCard card, Preprocessor preprocessor, DynamicBatcher batcher,
                   EmbeddingBatcher embeddings) {

    static ServedModel of(StoredModel stored, BatchSettings settings, ServerMetrics metrics) {
        ModelCard card = stored.card();
        DynamicBatcher batcher = new DynamicBatcher(stored.ref(), stored.frozen(), settings.maxBatch(), settings.maxDelayMicros(),
                settings.queue(), metrics.observer(card.name(), card.version()));
        return new ServedModel(card.name(), card.version(), card, new Preprocessor(card.preprocessing()), batcher,
                new EmbeddingBatcher(stored, settings, metrics));
    }

    String ref() {
        return name + ":" + version;
    }

    /** Stops taking work on both batchers; what is queued is still answered (up to {@code seconds} each). */
    void drain(double seconds) {
        batcher.drain(seconds);
        embeddings.drain(seconds);
    }

    /** Requests waiting on either batcher. */
    int depth() {
        return batcher.depth() + embeddings.depth();
    }

    /** How requests are gathered into forward passes. */
    record BatchSettings(int maxBatch, long maxDelayMicros, int queue) {
    }

    /**
     * The batcher of the network cut after the layer that feeds the head ({@link Embeddings#defaultLayer}), made
     * when the first request for embeddings comes: a server that is never asked for them holds no second copy.
     */
    static final class EmbeddingBatcher {
        private final StoredModel stored;
        private final BatchSettings settings;
        private final ServerMetrics metrics;
        private final String layer;
        private DynamicBatcher batcher;
        private boolean drained;

        EmbeddingBatcher(StoredModel stored, BatchSettings settings, ServerMetrics metrics) {
            this.stored = stored;
            this.settings = settings;
            this.metrics = metrics;
            this.layer = Embeddings.defaultLayer(stored.graph());
        }

        String layer() {
            return layer;
        }

        synchronized DynamicBatcher get() {
            if (drained) {
                throw new DynamicBatcher.ClosedException();
            }
            if (batcher == null) {
                batcher = new DynamicBatcher(stored.ref() + "-embeddings", stored.frozenUpTo(layer, Precision.requested()),
                        settings.maxBatch(), settings.maxDelayMicros(), settings.queue(),
                        metrics.observer(stored.card().name(), stored.card().version()));
            }
            return batcher;
        }

        void drain(double seconds) {
            DynamicBatcher running;
            synchronized (this) {
                drained = true;
                running = batcher;
            }
            if (running != null) {
                running.drain(seconds);
            }
        }

        synchronized int depth() {
            return batcher == null ? 0 : batcher.depth();
        }
    }
}
