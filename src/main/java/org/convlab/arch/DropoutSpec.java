package org.convlab.arch;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonProperty;

/** Dropout with Keras' meaning of {@code rate}: the fraction of inputs set to zero while training. */
@JsonIgnoreProperties(value = "type", allowGetters = true) // the type is the class itself
public record DropoutSpec(String name, @JsonProperty(required = true) double rate) implements LayerSpec {

    @Override
    public LayerKind kind() {
        return LayerKind.DROPOUT;
    }

    @Override
    public DropoutSpec withName(String newName) {
        return new DropoutSpec(newName, rate);
    }
}
