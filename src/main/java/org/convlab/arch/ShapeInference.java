package org.convlab.arch;

import org.convlab.ops.Padding;

import org.convlab.BadSettingException;
import org.convlab.ConvLabException;
import org.convlab.Setting;

import java.util.ArrayList;
import java.util.List;

/**
 * Checks a spec layer by layer and works out each layer's output shape, so that a bad spec
 * fails before DL4J sees it, with a message that names the layer and the problem
 * ("expected X, received Y").
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
            current = outputShape(layer, current);
            shapes.add(current);
        }
        spec.outputLayer();
        return shapes;
    }

    static LayerShape outputShape(LayerSpec layer, LayerShape in) {
        if (layer instanceof Conv2DSpec c) {
            return conv(c, in);
        }
        if (layer instanceof PoolSpec p) {
            return pool(p, in);
        }
        if (layer instanceof FlattenSpec) {
            requireSpatial(layer, in);
            return LayerShape.flat(Math.toIntExact(in.size()));
        }
        if (layer instanceof DenseSpec d) {
            if (in.isSpatial()) {
                throw problem(layer, "expected a flat input, received " + in.toKeras() + "; add a flatten layer before it");
            }
            requirePositive(layer, "units", d.units());
            requireActivation(layer, d.activation());
            return LayerShape.flat(d.units());
        }
        if (layer instanceof DropoutSpec d) {
            if (!(d.rate() >= 0 && d.rate() < 1)) {
                throw problem(layer, "rate must be in [0, 1), received " + d.rate());
            }
            return in;
        }
        BatchNormSpec b = (BatchNormSpec) layer;
        if (!(b.momentum() > 0 && b.momentum() < 1) || !(b.epsilon() > 0)) {
            throw problem(layer, "momentum must be in (0, 1) and epsilon above 0, received "
                    + b.momentum() + " and " + b.epsilon());
        }
        return in;
    }

    private static LayerShape conv(Conv2DSpec c, LayerShape in) {
        requireSpatial(c, in);
        requirePositive(c, "filters", c.filters());
        requireWindow(c, "kernel", c.kernel(), c.stride());
        requireActivation(c, c.activation());
        Size2 out = side(c, in, c.kernel(), c.stride(), c.padding());
        return LayerShape.spatial(out.rows(), out.cols(), c.filters());
    }

    private static LayerShape pool(PoolSpec p, LayerShape in) {
        requireSpatial(p, in);
        requireWindow(p, "size", p.size(), p.stride());
        Size2 out = side(p, in, p.size(), p.stride(), p.padding());
        return LayerShape.spatial(out.rows(), out.cols(), in.channels());
    }

    /** Output height and width of a window sliding over the input; fails when a side would vanish. */
    private static Size2 side(LayerSpec layer, LayerShape in, Size2 window, Size2 stride, Padding padding) {
        int h = padding.outputSize(in.height(), window.rows(), stride.rows());
        int w = padding.outputSize(in.width(), window.cols(), stride.cols());
        if (h < 1 || w < 1) {
            throw new BadSettingException(Setting.INPUT, BadSettingException.literal(prefix(layer)) + "window " + window
                    + " does not fit its 'valid' input " + in.height() + "x" + in.width() + " (output would be " + Math.max(h, 0) + "x"
                    + Math.max(w, 0) + "); use padding 'same', a smaller window, a larger %s, or remove the layer");
        }
        return new Size2(h, w);
    }

    private static void requireSpatial(LayerSpec layer, LayerShape in) {
        if (!in.isSpatial()) {
            throw problem(layer, "expected a (height, width, channels) input, received " + in.toKeras()
                    + "; it must come before the flatten layer");
        }
    }

    private static void requireWindow(LayerSpec layer, String what, Size2 window, Size2 stride) {
        if (window == null) {
            throw problem(layer, what + " is missing");
        }
        if (window.rows() < 1 || window.cols() < 1) {
            throw problem(layer, what + " must be at least 1x1, received " + window);
        }
        if (stride.rows() < 1 || stride.cols() < 1) {
            throw problem(layer, "stride must be at least 1, received " + stride);
        }
    }

    private static void requirePositive(LayerSpec layer, String what, int value) {
        if (value < 1) {
            throw problem(layer, what + " must be at least 1, received " + value);
        }
    }

    private static void requireActivation(LayerSpec layer, String activation) {
        if (!Activations.isKnown(activation)) {
            throw problem(layer, "activation '" + activation + "' is not known; use one of " + Activations.known());
        }
    }

    private static ConvLabException problem(LayerSpec layer, String message) {
        return new ConvLabException(prefix(layer) + message);
    }

    private static String prefix(LayerSpec layer) {
        return "layer '" + layer.name() + "' (" + layer.type() + "): ";
    }
}
