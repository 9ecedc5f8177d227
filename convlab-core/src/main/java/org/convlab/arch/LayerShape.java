package org.convlab.arch;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The shape of one example's activations after a layer, without the batch axis:
 * (height, width, channels) for images and feature maps, (features) once flat.
 */
public record LayerShape(List<Integer> dims) {

    public static LayerShape spatial(int height, int width, int channels) {
        return new LayerShape(List.of(height, width, channels));
    }

    public static LayerShape flat(int features) {
        return new LayerShape(List.of(features));
    }

    public boolean isSpatial() {
        return dims.size() == 3;
    }

    public int height() {
        return dims.get(0);
    }

    public int width() {
        return dims.get(1);
    }

    /** Channels of a spatial shape, or the feature count of a flat one. */
    public int channels() {
        return dims.get(dims.size() - 1);
    }

    /** Number of values per example. */
    public long size() {
        return dims.stream().mapToLong(Integer::longValue).reduce(1, (a, b) -> a * b);
    }

    /** Keras' notation with the batch axis: {@code (None, 100, 100, 32)}. */
    public String toKeras() {
        return dims.stream().map(String::valueOf).collect(Collectors.joining(", ", "(None, ", ")"));
    }

    /** Short notation: {@code 100x100x32} or {@code 9216}. */
    @Override
    public String toString() {
        return dims.stream().map(String::valueOf).collect(Collectors.joining("x"));
    }
}
