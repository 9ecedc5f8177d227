package org.convlab.arch;

import java.util.LinkedHashMap;
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
        Map<String, Long> flops = new LinkedHashMap<>();
        for (ShapeInference.Node node : ShapeInference.nodes(spec)) {
            flops.put(node.layer().name(), node.layer().flops(node.firstIn(), node.out()));
        }
        return flops;
    }

    /** Training FLOPs per example: forward plus two backward products. */
    public static long training(ArchitectureSpec spec) {
        return 3 * forward(spec);
    }
}
