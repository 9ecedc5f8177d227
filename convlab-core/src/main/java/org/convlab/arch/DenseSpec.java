package org.convlab.arch;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/**
 * A fully connected layer of {@code units} neurons. The last layer of a classifier is a dense
 * layer with activation {@code softmax} and one unit per class.
 */
@JsonIgnoreProperties(value = "type", allowGetters = true) // the type is the class itself
public record DenseSpec(String name, @JsonProperty(required = true) int units, String activation, List<String> inputs) implements LayerSpec {

    public DenseSpec {
        activation = activation == null ? "linear" : activation;
        inputs = LayerSpec.copyOf(inputs);
    }

    /** Reading the layer listed before it. */
    public DenseSpec(String name, int units, String activation) {
        this(name, units, activation, null);
    }

    public static DenseSpec of(int units, String activation) {
        return new DenseSpec(null, units, activation);
    }

    @Override
    public LayerKind kind() {
        return LayerKind.DENSE;
    }

    @Override
    public LayerShape outputShape(LayerShape in) {
        ShapeRules.requireFlat(this, in);
        ShapeRules.requirePositive(this, "units", units);
        ShapeRules.requireActivation(this, activation);
        return LayerShape.flat(units);
    }

    @Override
    public void addTo(Dl4jGraph graph, String input, LayerShape in, boolean last) {
        graph.addLayer(name, last
                ? new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(units).activation(Activations.toDl4j(activation)).build()
                : new DenseLayer.Builder().nOut(units).activation(Activations.toDl4j(activation)).build(), input);
    }

    @Override
    public long params(LayerShape in) {
        return in.size() * units + units;
    }

    @Override
    public long flops(LayerShape in, LayerShape out) {
        return 2 * in.size() * units + 2L * units;
    }

    @Override
    public DenseSpec withName(String newName) {
        return new DenseSpec(newName, units, activation, inputs);
    }

    /** The same layer with another number of units (used to set the class count). */
    public DenseSpec withUnits(int newUnits) {
        return new DenseSpec(name, newUnits, activation, inputs);
    }
}
