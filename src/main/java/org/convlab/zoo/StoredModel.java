package org.convlab.zoo;

import org.deeplearning4j.nn.graph.ComputationGraph;

import java.nio.file.Path;

/** A model loaded from the registry: the network, its card, and the folder it came from. */
public record StoredModel(ComputationGraph graph, ModelCard card, Path dir) {

    /** {@code name:version}. */
    public String ref() {
        return card.name() + ":" + card.version();
    }
}
