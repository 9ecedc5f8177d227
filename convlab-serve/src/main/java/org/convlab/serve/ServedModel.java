package org.convlab.serve;

import org.convlab.data.Preprocessor;
import org.convlab.zoo.ModelCard;
import org.convlab.zoo.StoredModel;

/** One stored model version as the server runs it: its card, its preprocessing, its batcher. */
record ServedModel(String name, int version, ModelCard card, Preprocessor preprocessor, DynamicBatcher batcher) {

    static ServedModel of(StoredModel stored, BatchSettings settings, ServerMetrics metrics) {
        ModelCard card = stored.card();
        DynamicBatcher batcher = new DynamicBatcher(stored.ref(), stored.frozen(), settings.maxBatch(), settings.maxDelayMicros(),
                settings.queue(), metrics.observer(card.name(), card.version()));
        return new ServedModel(card.name(), card.version(), card, new Preprocessor(card.preprocessing()), batcher);
    }

    String ref() {
        return name + ":" + version;
    }

    /** How requests are gathered into forward passes. */
    record BatchSettings(int maxBatch, long maxDelayMicros, int queue) {
    }
}
