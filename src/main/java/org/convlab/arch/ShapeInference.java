package org.convlab.arch;


import org.convlab.ConvLabException;

import java.util.ArrayList;
import java.util.List;

/**
 * Checks a spec layer by layer and works out each layer's output shape (each layer kind knows
 * its own rule: {@link LayerSpec#outputShape}), so that a bad spec fails before DL4J sees it,
 * with a message that names the layer and the problem ("expected X, received Y").
 */
public final class ShapeInference {
    private ShapeInference() {
    }

    /** The output shape of every layer, in order; throws {@link ConvLabException} on the first problem. */
    public static List<LayerShape> outputShapes(ArchitectureSpec spec) {
        InputShape in = spec.input();
        LayerShape current = LayerShape.spatial(in.height(), in.width(), in.channels());
        List<LayerShape> shapes = new ArrayList<>();
        for (LayerSpec layer : spec.layers()) {
            current = layer.outputShape(current);
            if (current.size() > Integer.MAX_VALUE) {
                throw ShapeRules.problem(layer, "its output " + current.toKeras() + " holds " + String.format("%,d", current.size())
                        + " values per example, more than DL4J can index (" + String.format("%,d", Integer.MAX_VALUE)
                        + "); use fewer filters or more pooling before it");
            }
            shapes.add(current);
        }
        spec.outputLayer();
        return shapes;
    }
}
