package org.convlab.arch;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * A fully connected layer of {@code units} neurons. The last layer of a classifier is a dense
 * layer with activation {@code softmax} and one unit per class.
 */
@JsonIgnoreProperties(value = "type", allowGetters = true) // the type is the class itself
public record DenseSpec(String name, @JsonProperty(required = true) int units, String activation) implements LayerSpec {

    public DenseSpec {
        activation = activation == null ? "linear" : activation;
    }

    public static DenseSpec of(int units, String activation) {
        return new DenseSpec(null, units, activation);
    }

    @Override
    public LayerKind kind() {
        return LayerKind.DENSE;
    }

    @Override
    public DenseSpec withName(String newName) {
        return new DenseSpec(newName, units, activation);
    }

    /** The same layer with another number of units (used to set the class count). */
    public DenseSpec withUnits(int newUnits) {
        return new DenseSpec(name, newUnits, activation);
    }
}
