package org.convlab.arch;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * One layer of an architecture, as data. The JSON form carries a {@code type}
 * ({@code conv2d}, {@code max_pool}, {@code avg_pool}, {@code sum_pool}, {@code flatten},
 * {@code dense}, {@code dropout}, {@code batch_norm}) and the layer's settings; {@code name}
 * is optional and defaults to Keras' naming ({@code conv2d_1}, {@code max_pooling2d_1}, ...).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.EXISTING_PROPERTY, property = "type", visible = true)
@JsonSubTypes({
        @JsonSubTypes.Type(value = Conv2DSpec.class, name = "conv2d"),
        @JsonSubTypes.Type(value = PoolSpec.class, names = {"max_pool", "avg_pool", "sum_pool"}),
        @JsonSubTypes.Type(value = FlattenSpec.class, name = "flatten"),
        @JsonSubTypes.Type(value = DenseSpec.class, name = "dense"),
        @JsonSubTypes.Type(value = DropoutSpec.class, name = "dropout"),
        @JsonSubTypes.Type(value = BatchNormSpec.class, name = "batch_norm"),
})
@JsonInclude(JsonInclude.Include.NON_NULL)
public sealed interface LayerSpec permits Conv2DSpec, PoolSpec, FlattenSpec, DenseSpec, DropoutSpec, BatchNormSpec {

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

    /**
     * The shape this layer produces from {@code in}, after checking that it can: a bad setting
     * fails here, naming the layer ("expected X, received Y"), before DL4J sees it.
     */
    LayerShape outputShape(LayerShape in);

    /**
     * Adds this layer to a DL4J graph as one or more vertices, the last named {@link #name()},
     * reading {@code input}; {@code last} when it is the network's output.
     */
    void addTo(Dl4jGraph graph, String input, LayerShape in, boolean last);

    /** Parameters this layer holds, for input {@code in} (Keras' count: batch norm's moving statistics included). */
    default long params(LayerShape in) {
        return 0;
    }

    /** Forward-pass floating-point operations per example (multiply and add count as two). */
    default long flops(LayerShape in, LayerShape out) {
        return out.size();
    }
}
