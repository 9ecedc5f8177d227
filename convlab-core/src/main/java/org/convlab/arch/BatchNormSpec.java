package org.convlab.arch;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;

import java.util.List;

/**
 * Batch normalization over channels (or features), with Keras' defaults: momentum 0.99 and
 * epsilon 0.001. Its moving mean and variance are counted as non-trainable parameters.
 */
@JsonIgnoreProperties(value = "type", allowGetters = true) // the type is the class itself
public record BatchNormSpec(String name, Double momentum, Double epsilon, List<String> inputs) implements LayerSpec {

    public BatchNormSpec {
        momentum = momentum == null ? 0.99 : momentum;
        epsilon = epsilon == null ? 1e-3 : epsilon;
        inputs = LayerSpec.copyOf(inputs);
    }

    /** Reading the layer listed before it. */
    public BatchNormSpec(String name, Double momentum, Double epsilon) {
        this(name, momentum, epsilon, null);
    }

    @Override
    public LayerKind kind() {
        return LayerKind.BATCH_NORM;
    }

    @Override
    public LayerShape outputShape(LayerShape in) {
        if (!(momentum > 0 && momentum < 1) || !(epsilon > 0)) {
            throw ShapeRules.problem(this, "momentum must be in (0, 1) and epsilon above 0, received " + momentum + " and " + epsilon);
        }
        return in;
    }

    @Override
    public void addTo(Dl4jGraph graph, String input, LayerShape in, boolean last) {
        graph.addLayer(name, new BatchNormalization.Builder().decay(momentum).eps(epsilon).useLogStd(false)
                .dataFormat(graph.format()).build(), input);
    }

    @Override
    public long params(LayerShape in) {
        return 4L * (in.isSpatial() ? in.channels() : in.size());
    }

    @Override
    public BatchNormSpec withName(String newName) {
        return new BatchNormSpec(newName, momentum, epsilon, inputs);
    }
}
