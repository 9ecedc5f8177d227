package org.convlab.arch;

import org.convlab.ops.Padding;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.layers.Layer;

/**
 * The DL4J graph configuration a spec's layers add themselves to ({@link LayerSpec#addTo}), with
 * the image layout they must use.
 */
public final class Dl4jGraph {
    private final ComputationGraphConfiguration.GraphBuilder builder;
    private final CNN2DFormat format;

    Dl4jGraph(ComputationGraphConfiguration.GraphBuilder builder, CNN2DFormat format) {
        this.builder = builder;
        this.format = format;
    }

    /** NCHW or NHWC, for every layer that reads images. */
    public CNN2DFormat format() {
        return format;
    }

    public void addLayer(String name, Layer layer, String... inputs) {
        builder.addLayer(name, layer, inputs);
    }

    public void addVertex(String name, GraphVertex vertex, String... inputs) {
        builder.addVertex(name, vertex, inputs);
    }

    /** Keras 'same' maps to DL4J Same; 'valid' to Truncate (drop the cells a window cannot cover). */
    public static ConvolutionMode mode(Padding padding) {
        return padding == Padding.SAME ? ConvolutionMode.Same : ConvolutionMode.Truncate;
    }
}
