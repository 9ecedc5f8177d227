package org.convlab.arch;

import org.convlab.ops.Padding;

import com.fasterxml.jackson.annotation.JsonProperty;
import org.convlab.ConvLabException;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;

import java.util.List;

/**
 * 2-D pooling: the maximum, mean or sum of each {@code size} window, sliding by {@code stride}.
 * Defaults follow Keras: a 2x2 window, stride equal to the window, 'valid' padding (so a side
 * of 25 becomes 12).
 */
public record PoolSpec(@JsonProperty("type") String type, String name, Size2 size, Size2 stride, Padding padding, List<String> inputs)
        implements LayerSpec {

    public PoolSpec {
        LayerKind kind = LayerKind.ofJsonName(type);
        if (kind != LayerKind.MAX_POOL && kind != LayerKind.AVG_POOL && kind != LayerKind.SUM_POOL) {
            throw new ConvLabException("pooling type '" + type + "' is not known; use max_pool, avg_pool or sum_pool");
        }
        size = size == null ? Size2.square(2) : size;
        stride = stride == null ? size : stride;
        padding = padding == null ? Padding.VALID : padding;
        inputs = LayerSpec.copyOf(inputs);
    }

    /** Reading the layer listed before it. */
    public PoolSpec(String type, String name, Size2 size, Size2 stride, Padding padding) {
        this(type, name, size, stride, padding, null);
    }

    /** A square window with stride equal to the window and 'valid' padding. */
    public static PoolSpec of(LayerKind kind, int size) {
        return new PoolSpec(kind.jsonName(), null, Size2.square(size), null, Padding.VALID);
    }

    @Override
    public LayerKind kind() {
        return LayerKind.ofJsonName(type);
    }

    @Override
    public LayerShape outputShape(LayerShape in) {
        ShapeRules.requireSpatial(this, in);
        ShapeRules.requireWindow(this, "size", size, stride);
        Size2 out = ShapeRules.slide(this, in, size, stride, padding);
        return LayerShape.spatial(out.rows(), out.cols(), in.channels());
    }

    @Override
    public void addTo(Dl4jGraph graph, String input, LayerShape in, boolean last) {
        LayerKind kind = kind();
        SubsamplingLayer layer = new SubsamplingLayer.Builder(kind == LayerKind.MAX_POOL ? PoolingType.MAX : PoolingType.AVG)
                // Keras' average leaves padding out of the divisor; the sum (average x area) needs it in.
                .avgPoolIncludePadInDivisor(kind == LayerKind.SUM_POOL)
                .kernelSize(size.rows(), size.cols())
                .stride(stride.rows(), stride.cols())
                .convolutionMode(Dl4jGraph.mode(padding))
                .dataFormat(graph.format())
                .build();
        if (kind == LayerKind.SUM_POOL) {
            // DL4J's SubsamplingLayer refuses SUM at run time: a zero-padded average times the
            // window's area is the same sum, built from stock (and serialisable) parts.
            String window = name + GraphBuilder.SUM_POOL_WINDOW_SUFFIX;
            graph.addLayer(window, layer, input);
            graph.addVertex(name, new ScaleVertex((double) size.rows() * size.cols()), window);
        } else {
            graph.addLayer(name, layer, input);
        }
    }

    @Override
    public long flops(LayerShape in, LayerShape out) {
        return out.size() * size.rows() * size.cols();
    }

    @Override
    public PoolSpec withName(String newName) {
        return new PoolSpec(type, newName, size, stride, padding, inputs);
    }
}
