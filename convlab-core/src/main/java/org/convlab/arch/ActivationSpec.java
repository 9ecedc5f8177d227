package org.convlab.arch;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** An activation function on its own (Keras' {@code Activation}), as after a residual block's add. */
@JsonIgnoreProperties(value = "type", allowGetters = true) // the type is the class itself
public record ActivationSpec(String name, @JsonProperty(required = true) String activation, List<String> inputs) implements LayerSpec {

    public ActivationSpec {
        inputs = LayerSpec.copyOf(inputs);
    }

    @Override
    public LayerKind kind() {
        return LayerKind.ACTIVATION;
    }

    @Override
    public LayerShape outputShape(LayerShape in) {
        ShapeRules.requireActivation(this, activation);
        return in;
    }

    @Override
    public void addTo(Dl4jGraph graph, String input, LayerShape in, boolean last) {
        graph.addLayer(name, new OutOfPlaceActivationLayer(Activations.toDl4j(activation)), input);
    }

    @Override
    public ActivationSpec withName(String newName) {
        return new ActivationSpec(newName, activation, inputs);
    }
}
