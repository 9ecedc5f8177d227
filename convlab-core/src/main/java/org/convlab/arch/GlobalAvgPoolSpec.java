package org.convlab.arch;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;

import java.util.List;

/**
 * The mean of each channel over the whole image (Keras' {@code GlobalAveragePooling2D}): a flat
 * vector of one value per channel, the usual head of a residual network instead of flatten.
 */
@JsonIgnoreProperties(value = "type", allowGetters = true) // the type is the class itself
public record GlobalAvgPoolSpec(String name, List<String> inputs) implements LayerSpec {

    public GlobalAvgPoolSpec {
        inputs = LayerSpec.copyOf(inputs);
    }

    @Override
    public LayerKind kind() {
        return LayerKind.GLOBAL_AVG_POOL;
    }

    @Override
    public LayerShape outputShape(LayerShape in) {
        ShapeRules.requireSpatial(this, in);
        return LayerShape.flat(in.channels());
    }

    @Override
    public void addTo(Dl4jGraph graph, String input, LayerShape in, boolean last) {
        graph.addLayer(name, new GlobalPoolingLayer.Builder(PoolingType.AVG).collapseDimensions(true).build(), input);
    }

    @Override
    public long flops(LayerShape in, LayerShape out) {
        return in.size();
    }

    @Override
    public GlobalAvgPoolSpec withName(String newName) {
        return new GlobalAvgPoolSpec(newName, inputs);
    }
}
