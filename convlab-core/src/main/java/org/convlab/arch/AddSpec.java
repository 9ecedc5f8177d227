package org.convlab.arch;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;

import java.util.List;

/**
 * The element-wise sum of two or more inputs of one shape (Keras' {@code Add}): a residual
 * block's output plus its shortcut.
 */
@JsonIgnoreProperties(value = "type", allowGetters = true) // the type is the class itself
public record AddSpec(String name, @JsonProperty(required = true) List<String> inputs) implements MergeSpec {

    public AddSpec {
        inputs = LayerSpec.copyOf(inputs);
    }

    @Override
    public LayerKind kind() {
        return LayerKind.ADD;
    }

    @Override
    public LayerShape outputShape(List<LayerShape> in) {
        ShapeRules.requireMerge(this, in);
        for (int i = 1; i < in.size(); i++) {
            if (!in.get(i).equals(in.get(0))) {
                throw ShapeRules.problem(this, "expected inputs of one shape, received " + in.get(0).toKeras() + " from '"
                        + inputs.get(0) + "' and " + in.get(i).toKeras() + " from '" + inputs.get(i)
                        + "'; give the shortcut a 1x1 convolution with the same filters and stride");
            }
        }
        return in.get(0);
    }

    @Override
    public void addTo(Dl4jGraph graph, List<String> inputNames, List<LayerShape> in, boolean last) {
        graph.addVertex(name, new ElementWiseVertex(ElementWiseVertex.Op.Add), inputNames.toArray(String[]::new));
    }

    @Override
    public AddSpec withName(String newName) {
        return new AddSpec(newName, inputs);
    }
}
