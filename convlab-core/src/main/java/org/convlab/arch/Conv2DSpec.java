package org.convlab.arch;

import org.convlab.ops.Padding;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;

import java.util.List;

/**
 * A 2-D convolution: {@code filters} kernels of size {@code kernel}, sliding by {@code stride},
 * with 'same' or 'valid' padding, followed by an activation. Defaults follow Keras: stride 1,
 * 'valid' padding, linear activation, with bias.
 */
@JsonIgnoreProperties(value = "type", allowGetters = true) // the type is the class itself
public record Conv2DSpec(String name, @JsonProperty(required = true) int filters, @JsonProperty(required = true) Size2 kernel, Size2 stride, Padding padding, String activation,
                         List<String> inputs) implements LayerSpec {

    public Conv2DSpec {
        stride = stride == null ? Size2.square(1) : stride;
        padding = padding == null ? Padding.VALID : padding;
        activation = activation == null ? "linear" : activation;
        inputs = LayerSpec.copyOf(inputs);
    }

    /** Reading the layer listed before it. */
    public Conv2DSpec(String name, int filters, Size2 kernel, Size2 stride, Padding padding, String activation) {
        this(name, filters, kernel, stride, padding, activation, null);
    }

    /** A square-kernel, stride-1 convolution, as the seed model writes them. */
    public static Conv2DSpec of(int filters, int kernel, Padding padding, String activation) {
        return new Conv2DSpec(null, filters, Size2.square(kernel), Size2.square(1), padding, activation);
    }

    @Override
    public LayerKind kind() {
        return LayerKind.CONV2D;
    }

    @Override
    public LayerShape outputShape(LayerShape in) {
        ShapeRules.requireSpatial(this, in);
        ShapeRules.requirePositive(this, "filters", filters);
        ShapeRules.requireWindow(this, "kernel", kernel, stride);
        ShapeRules.requireActivation(this, activation);
        Size2 out = ShapeRules.slide(this, in, kernel, stride, padding);
        return LayerShape.spatial(out.rows(), out.cols(), filters);
    }

    @Override
    public void addTo(Dl4jGraph graph, String input, LayerShape in, boolean last) {
        graph.addLayer(name, new ConvolutionLayer.Builder()
                .kernelSize(kernel.rows(), kernel.cols())
                .stride(stride.rows(), stride.cols())
                .convolutionMode(Dl4jGraph.mode(padding))
                .nOut(filters)
                .activation(Activations.toDl4j(activation))
                .dataFormat(graph.format())
                .build(), input);
    }

    @Override
    public long params(LayerShape in) {
        return (long) kernel.rows() * kernel.cols() * in.channels() * filters + filters;
    }

    @Override
    public long flops(LayerShape in, LayerShape out) {
        long macs = out.size() * kernel.rows() * kernel.cols() * in.channels();
        return 2 * macs + 2 * out.size();
    }

    @Override
    public Conv2DSpec withName(String newName) {
        return new Conv2DSpec(newName, filters, kernel, stride, padding, activation, inputs);
    }
}
