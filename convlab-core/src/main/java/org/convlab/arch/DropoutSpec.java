package org.convlab.arch;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** Dropout with Keras' meaning of {@code rate}: the fraction of inputs set to zero while training. */
@JsonIgnoreProperties(value = "type", allowGetters = true) // the type is the class itself
public record DropoutSpec(String name, @JsonProperty(required = true) double rate, List<String> inputs) implements LayerSpec {

    public DropoutSpec {
        inputs = LayerSpec.copyOf(inputs);
    }

    /** Reading the layer listed before it. */
    public DropoutSpec(String name, double rate) {
        this(name, rate, null);
    }

    @Override
    public LayerKind kind() {
        return LayerKind.DROPOUT;
    }

    @Override
    public LayerShape outputShape(LayerShape in) {
        if (!(rate >= 0 && rate < 1)) {
            throw ShapeRules.problem(this, "rate must be in [0, 1), received " + rate);
        }
        return in;
    }

    @Override
    public void addTo(Dl4jGraph graph, String input, LayerShape in, boolean last) {
        // DL4J's dropout argument is the probability of keeping a value; Keras' rate is of dropping it.
        graph.addLayer(name, new DropoutLayer.Builder(1.0 - rate).build(), input);
    }

    @Override
    public DropoutSpec withName(String newName) {
        return new DropoutSpec(newName, rate, inputs);
    }
}
