package org.convlab.arch;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.graph.MergeVertex;

import java.util.List;

/**
 * Two or more inputs joined along the channels (Keras' {@code Concatenate}, last axis): feature
 * maps of one height and width, or flat vectors.
 */
@JsonIgnoreProperties(value = "type", allowGetters = true) // the type is the class itself
public record ConcatSpec(String name, @JsonProperty(required = true) List<String> inputs) implements MergeSpec {

    public ConcatSpec {
        inputs = LayerSpec.copyOf(inputs);
    }

    @Override
    public LayerKind kind() {
        return LayerKind.CONCAT;
    }

    @Override
    public LayerShape outputShape(List<LayerShape> in) {
        ShapeRules.requireMerge(this, in);
        LayerShape first = in.get(0);
        long channels = 0;
        for (int i = 0; i < in.size(); i++) {
            LayerShape s = in.get(i);
            boolean sameKind = s.isSpatial() == first.isSpatial();
            if (!sameKind || (s.isSpatial() && (s.height() != first.height() || s.width() != first.width()))) {
                throw ShapeRules.problem(this, "expected inputs that differ only in channels, received " + first.toKeras() + " from '"
                        + inputs.get(0) + "' and " + s.toKeras() + " from '" + inputs.get(i) + "'");
            }
            channels += s.channels();
        }
        ShapeRules.requirePositive(this, "channels", (int) Math.min(channels, Integer.MAX_VALUE));
        return first.isSpatial() ? LayerShape.spatial(first.height(), first.width(), (int) channels) : LayerShape.flat((int) channels);
    }

    @Override
    public void addTo(Dl4jGraph graph, List<String> inputNames, List<LayerShape> in, boolean last) {
        MergeVertex merge = new MergeVertex();
        merge.setMergeAxis(in.get(0).isSpatial() && graph.format() == CNN2DFormat.NHWC ? 3 : 1);
        graph.addVertex(name, merge, inputNames.toArray(String[]::new));
    }

    @Override
    public ConcatSpec withName(String newName) {
        return new ConcatSpec(newName, inputs);
    }
}
