package org.convlab.arch;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;

import java.util.List;

/** Flattens (height, width, channels) into one feature vector per example. */
@JsonIgnoreProperties(value = "type", allowGetters = true) // the type is the class itself
public record FlattenSpec(String name, List<String> inputs) implements LayerSpec {

    public FlattenSpec {
        inputs = LayerSpec.copyOf(inputs);
    }

    /** Reading the layer listed before it. */
    public FlattenSpec(String name) {
        this(name, null);
    }

    @Override
    public LayerKind kind() {
        return LayerKind.FLATTEN;
    }

    @Override
    public LayerShape outputShape(LayerShape in) {
        ShapeRules.requireSpatial(this, in);
        return LayerShape.flat(Math.toIntExact(in.size()));
    }

    @Override
    public void addTo(Dl4jGraph graph, String input, LayerShape in, boolean last) {
        graph.addVertex(name, new PreprocessorVertex(new CnnToFeedForwardPreProcessor(in.height(), in.width(), in.channels(),
                graph.format())), input);
    }

    @Override
    public FlattenSpec withName(String newName) {
        return new FlattenSpec(newName, inputs);
    }
}
