package org.convlab.arch;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** Flattens (height, width, channels) into one feature vector per example. */
@JsonIgnoreProperties(value = "type", allowGetters = true) // the type is the class itself
public record FlattenSpec(String name) implements LayerSpec {

    @Override
    public LayerKind kind() {
        return LayerKind.FLATTEN;
    }

    @Override
    public FlattenSpec withName(String newName) {
        return new FlattenSpec(newName);
    }
}
