package org.convlab.arch;

import java.util.List;

/**
 * A layer that merges two or more inputs ({@code add}, {@code concat}): its rules take all their
 * shapes at once, and a single input is refused by {@link #outputShape(List)}.
 */
public sealed interface MergeSpec extends LayerSpec permits AddSpec, ConcatSpec {

    @Override
    LayerShape outputShape(List<LayerShape> in);

    @Override
    void addTo(Dl4jGraph graph, List<String> inputs, List<LayerShape> in, boolean last);

    @Override
    default LayerShape outputShape(LayerShape in) {
        return outputShape(List.of(in));
    }

    @Override
    default void addTo(Dl4jGraph graph, String input, LayerShape in, boolean last) {
        addTo(graph, List.of(input), List.of(in), last);
    }
}
