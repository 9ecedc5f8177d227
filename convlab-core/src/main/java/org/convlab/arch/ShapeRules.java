package org.convlab.arch;

import org.convlab.BadSettingException;
import org.convlab.ConvLabException;
import org.convlab.Setting;
import org.convlab.ops.Padding;

/** The checks layers share when they work out their output shape; each failure names the layer. */
final class ShapeRules {
    private ShapeRules() {
    }

    /** Output height and width of a window sliding over the input; fails when a side would vanish. */
    static Size2 slide(LayerSpec layer, LayerShape in, Size2 window, Size2 stride, Padding padding) {
        int h = padding.outputSize(in.height(), window.rows(), stride.rows());
        int w = padding.outputSize(in.width(), window.cols(), stride.cols());
        if (h < 1 || w < 1) {
            throw new BadSettingException(Setting.INPUT, BadSettingException.literal(prefix(layer)) + "window " + window
                    + " does not fit its 'valid' input " + in.height() + "x" + in.width() + " (output would be " + Math.max(h, 0) + "x"
                    + Math.max(w, 0) + "); use padding 'same', a smaller window, a larger %s, or remove the layer");
        }
        return new Size2(h, w);
    }

    static void requireSpatial(LayerSpec layer, LayerShape in) {
        if (!in.isSpatial()) {
            throw problem(layer, "expected a (height, width, channels) input, received " + in.toKeras()
                    + "; it must come before the flatten layer");
        }
    }

    static void requireFlat(LayerSpec layer, LayerShape in) {
        if (in.isSpatial()) {
            throw problem(layer, "expected a flat input, received " + in.toKeras() + "; add a flatten layer before it");
        }
    }

    static void requireWindow(LayerSpec layer, String what, Size2 window, Size2 stride) {
        if (window == null) {
            throw problem(layer, what + " is missing");
        }
        if (window.rows() < 1 || window.cols() < 1) {
            throw problem(layer, what + " must be at least 1x1, received " + window);
        }
        if (stride.rows() < 1 || stride.cols() < 1) {
            throw problem(layer, "stride must be at least 1, received " + stride);
        }
        if (Math.max(window.rows(), window.cols()) > InputShape.MAX_SIDE || Math.max(stride.rows(), stride.cols()) > InputShape.MAX_SIDE) {
            throw problem(layer, what + " and stride must be at most " + InputShape.MAX_SIDE + " on a side, received "
                    + window + " and " + stride);
        }
    }

    /** Filters and units: what one layer may have, so sizes stay far inside DL4J's int arithmetic. */
    static final int MAX_WIDTH = 1 << 20;

    static void requirePositive(LayerSpec layer, String what, int value) {
        if (value < 1) {
            throw problem(layer, what + " must be at least 1, received " + value);
        }
        if (value > MAX_WIDTH) {
            throw problem(layer, what + " must be at most " + String.format("%,d", MAX_WIDTH) + ", received "
                    + String.format("%,d", value));
        }
    }

    static void requireActivation(LayerSpec layer, String activation) {
        if (!Activations.isKnown(activation)) {
            throw problem(layer, "activation '" + activation + "' is not known; use one of " + Activations.known());
        }
    }

    /** A merge reads two or more inputs. */
    static void requireMerge(LayerSpec layer, java.util.List<LayerShape> in) {
        if (in.size() < 2) {
            throw problem(layer, "expected at least 2 inputs, received " + in.size() + "; list the layers it merges in \"inputs\"");
        }
    }

    static ConvLabException problem(LayerSpec layer, String message) {
        return new ConvLabException(prefix(layer) + message);
    }

    private static String prefix(LayerSpec layer) {
        return "layer '" + layer.name() + "' (" + layer.type() + "): ";
    }
}
