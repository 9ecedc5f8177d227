package org.convlab.arch;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import org.convlab.ConvLabException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A network architecture as data: a name, an input shape and an ordered list of layers.
 * The last layer is the classifier: a dense layer with {@code softmax}, one unit per class.
 *
 * <p>The same spec drives the DL4J builder ({@link GraphBuilder}), the Keras-style summary
 * ({@link ModelSummary}) and the model card. It round-trips through JSON ({@link SpecJson}):
 * <pre>{@code
 * {"name": "tiny", "input": {"height": 28, "width": 28, "channels": 1},
 *  "layers": [{"type": "conv2d", "filters": 8, "kernel": 3, "padding": "same", "activation": "relu"},
 *             {"type": "max_pool"}, {"type": "flatten"},
 *             {"type": "dense", "units": 10, "activation": "softmax"}]}
 * }</pre>
 */
@JsonPropertyOrder({"name", "description", "input", "layers"})
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ArchitectureSpec(String name, String description, InputShape input, List<LayerSpec> layers) {

    private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");

    public ArchitectureSpec {
        if (input == null) {
            throw new ConvLabException("architecture '" + name + "' has no input shape; add \"input\": {\"height\": H, \"width\": W, \"channels\": C}");
        }
        if (layers == null || layers.isEmpty()) {
            throw new ConvLabException("architecture '" + name + "' has no layers");
        }
        layers = List.copyOf(withKerasNames(layers));
    }

    /** The number of classes: the units of the final dense layer. */
    @JsonIgnore
    public int classes() {
        return outputLayer().units();
    }

    /** The same architecture for another input shape. */
    public ArchitectureSpec withInput(InputShape newInput) {
        return new ArchitectureSpec(name, description, newInput, layers);
    }

    /** The same architecture with {@code n} classes: the final dense layer gets {@code n} units. */
    public ArchitectureSpec withClasses(int n) {
        if (n < 2) {
            throw new ConvLabException("a classifier needs at least 2 classes, received " + n);
        }
        List<LayerSpec> copy = new ArrayList<>(layers);
        copy.set(copy.size() - 1, outputLayer().withUnits(n));
        return new ArchitectureSpec(name, description, input, copy);
    }

    /** The final layer, checked to be a softmax dense layer. */
    @JsonIgnore
    public DenseSpec outputLayer() {
        LayerSpec last = layers.get(layers.size() - 1);
        if (last instanceof DenseSpec d && "softmax".equals(d.activation())) {
            return d;
        }
        throw new ConvLabException("architecture '" + name + "': the last layer must be the classifier, a dense layer"
                + " with activation 'softmax'; received " + last.type() + " '" + last.name() + "'");
    }

    /** Keras' automatic names for layers that have none: conv2d_1, conv2d_2, max_pooling2d_1, ... */
    private static List<LayerSpec> withKerasNames(List<LayerSpec> layers) {
        Map<String, Integer> counters = new HashMap<>();
        Set<String> seen = new HashSet<>(Set.of("input_1"));
        List<LayerSpec> named = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec layer = layers.get(i);
            if (layer == null) {
                throw new ConvLabException("layers[" + i + "] is empty; give each layer a \"type\" (" + LayerSpec.KNOWN_TYPES + ")");
            }
            String prefix = layer.kind().kerasPrefix();
            int count = counters.merge(prefix, 1, Integer::sum);
            String name = layer.name() != null ? layer.name() : prefix + "_" + count;
            if (!SAFE_NAME.matcher(name).matches()) {
                throw new ConvLabException("layers[" + i + "]: name '" + name + "' must be 1-64 letters, digits, '_', '.' or '-'");
            }
            if (!seen.add(name)) {
                throw new ConvLabException("layers[" + i + "]: name '" + name + "' is used twice; layer names must be unique");
            }
            named.add(layer.name() != null ? layer : layer.withName(name));
        }
        return named;
    }
}
