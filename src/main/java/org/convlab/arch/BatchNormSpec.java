package org.convlab.arch;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * Batch normalization over channels (or features), with Keras' defaults: momentum 0.99 and
 * epsilon 0.001. Its moving mean and variance are counted as non-trainable parameters.
 */
@JsonIgnoreProperties(value = "type", allowGetters = true) // the type is the class itself
public record BatchNormSpec(String name, Double momentum, Double epsilon) implements LayerSpec {

    public BatchNormSpec {
        momentum = momentum == null ? 0.99 : momentum;
        epsilon = epsilon == null ? 1e-3 : epsilon;
    }

    @Override
    public LayerKind kind() {
        return LayerKind.BATCH_NORM;
    }

    @Override
    public BatchNormSpec withName(String newName) {
        return new BatchNormSpec(newName, momentum, epsilon);
    }
}
