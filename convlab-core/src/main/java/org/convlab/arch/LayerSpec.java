package org.convlab.arch;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

import java.util.List;

/**
 * One layer of an architecture, as data. The JSON form carries a {@code type}
 * ({@code conv2d}, {@code max_pool}, {@code avg_pool}, {@code sum_pool}, {@code global_avg_pool},
 * {@code flatten}, {@code dense}, {@code dropout}, {@code batch_norm}, {@code activation},
 * {@code add}, {@code concat}) and the layer's settings; {@code name} is optional and defaults to
 * Keras' naming ({@code conv2d_1}, {@code max_pooling2d_1}, ...). {@code inputs} names the layers
 * it reads ({@code input_1} is the image); left out, a layer reads the one listed before it, so a
 * chain needs none and a residual block names its shortcut:
 * <pre>{@code
 * {"type": "add", "inputs": ["batch_normalization_2", "activation_1"]}
 * }</pre>
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.EXISTING_PROPERTY, property = "type", visible = true)
@JsonSubTypes({
        @JsonSubTypes.Type(value = Conv2DSpec.class, name = "conv2d"),
        @JsonSubTypes.Type(value = PoolSpec.class, names = {"max_pool", "avg_pool", "sum_pool"}),
        @JsonSubTypes.Type(value = FlattenSpec.class, name = "flatten"),
        @JsonSubTypes.Type(value = DenseSpec.class, name = "dense"),
        @JsonSubTypes.Type(value = DropoutSpec.class, name = "dropout"),
        @JsonSubTypes.Type(value = BatchNormSpec.class, name = "batch_norm"),
        @JsonSubTypes.Type(value = ActivationSpec.class, name = "activation"),
        @JsonSubTypes.Type(value = GlobalAvgPoolSpec.class, name = "global_avg_pool"),
        @JsonSubTypes.Type(value = AddSpec.class, name = "add"),
        @JsonSubTypes.Type(value = ConcatSpec.class, name = "concat"),
})
@JsonInclude(JsonInclude.Include.NON_NULL)
public sealed interface LayerSpec permits Conv2DSpec, PoolSpec, FlattenSpec, DenseSpec, DropoutSpec, BatchNormSpec, ActivationSpec,
        GlobalAvgPoolSpec, MergeSpec {

    /** The layer types a spec may use, as written in JSON. */
    String KNOWN_TYPES = LayerKind.jsonNames();

    /** What kind of layer this is. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    LayerKind kind();

    /** The JSON type name. */
    @com.fasterxml.jackson.annotation.JsonProperty("type")
    default String type() {
        return kind().jsonName();
    }

    /** The layer's name, or null when it has not been assigned yet. */
    String name();

    /** The same layer under another name. */
    LayerSpec withName(String name);

    /** The names of the layers this one reads; null for the layer listed before it. */
    List<String> inputs();

    /**
     * The shape this layer produces from {@code in}, after checking that it can: a bad setting
     * fails here, naming the layer ("expected X, received Y"), before DL4J sees it.
     */
    LayerShape outputShape(LayerShape in);

    /** The same from the shapes of all its inputs: one, except for the layers that merge several. */
    default LayerShape outputShape(List<LayerShape> in) {
        if (in.size() != 1) {
            throw ShapeRules.problem(this, "expected 1 input, received " + in.size() + "; only add and concat merge several");
        }
        return outputShape(in.get(0));
    }

    /**
     * Adds this layer to a DL4J graph as one or more vertices, the last named {@link #name()},
     * reading {@code input}; {@code last} when it is the network's output.
     */
    void addTo(Dl4jGraph graph, String input, LayerShape in, boolean last);

    /** The same reading all its inputs (shapes already checked by {@link #outputShape(List)}). */
    default void addTo(Dl4jGraph graph, List<String> inputs, List<LayerShape> in, boolean last) {
        addTo(graph, inputs.get(0), in.get(0), last);
    }

    /** Parameters this layer holds, for input {@code in} (Keras' count: batch norm's moving statistics included). */
    default long params(LayerShape in) {
        return 0;
    }

    /** Forward-pass floating-point operations per example (multiply and add count as two). */
    default long flops(LayerShape in, LayerShape out) {
        return out.size();
    }

    /** An immutable copy of a layer's inputs, null kept (the layer before it). */
    static List<String> copyOf(List<String> inputs) {
        return inputs == null ? null : List.copyOf(inputs);
    }
}
