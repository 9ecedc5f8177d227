package org.convlab.arch;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Floating-point operations of one example through an architecture, counted from the spec:
 * a multiply-add is two operations; convolutions and dense layers dominate, pooling and
 * activations are counted as one operation per output value. Training costs about three forward
 * passes (forward, gradient with respect to inputs, gradient with respect to weights).
 */
public final class FlopCount {
    private FlopCount() {
    }

    /** Forward-pass FLOPs per example. */
    public static long forward(ArchitectureSpec spec) {
        return perLayer(spec).values().stream().mapToLong(Long::longValue).sum();
    }

    /** Forward-pass FLOPs per example of each layer, by layer name, in the spec's order. */
    public static Map<String, Long> perLayer(ArchitectureSpec spec) {
        List<LayerShape> shapes = ShapeInference.outputShapes(spec);
        InputShape in = spec.input();
        LayerShape previous = LayerShape.spatial(in.height(), in.width(), in.channels());
        Map<String, Long> flops = new LinkedHashMap<>();
        for (int i = 0; i < spec.layers().size(); i++) {
            LayerSpec layer = spec.layers().get(i);
            LayerShape out = shapes.get(i);
            long f = layer.flops(previous, out);
            flops.put(layer.name(), f);
            previous = out;
        }
        return flops;
    }

    /** Training FLOPs per example: forward plus two backward products. */
    public static long training(ArchitectureSpec spec) {
        return 3 * forward(spec);
    }
}
