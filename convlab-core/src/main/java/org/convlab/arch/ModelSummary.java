package org.convlab.arch;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Keras' {@code model.summary()} for a DL4J {@link ComputationGraph}: one row per layer with
 * its name and Keras type, its output shape in Keras notation and its parameter count. Shapes
 * and counts are read from the built graph itself, not recomputed. A graph that merges (a
 * residual {@code add}, a {@code concat}) gets Keras' functional table instead: a "Connected to"
 * column and the rows in Keras' order (deepest first, ties in the order a walk back from the
 * output meets them).
 *
 * <pre>{@code
 * ArchitectureSpec spec = Architectures.get("fruits-cnn");
 * ModelSummary s = ModelSummary.of(GraphBuilder.of(spec).build(), spec.input());
 * System.out.print(s.toKerasText());   // the seed's table, Total params: 10,865,724
 * }</pre>
 */
public record ModelSummary(List<Row> rows, long totalParams, long trainableParams) {

    /** One line of the table. {@code outputShape} has no batch axis; {@code connectedTo} names the layers it reads. */
    public record Row(String name, String type, List<Integer> outputShape, long params, List<String> connectedTo) {
        public String kerasShape() {
            return new LayerShape(outputShape).toKeras();
        }
    }

    /** Keras' layout for a chain of layers: 65 characters, columns ending at 29, 55 and 65. */
    private static final int LINE = 65;
    private static final int[] COLUMNS = {29, 55, 65};
    /** Keras' layout for a graph that merges: 98 characters, columns ending at 32, 53, 65 and 98. */
    private static final int GRAPH_LINE = 98;
    private static final int[] GRAPH_COLUMNS = {32, 53, 65, 98};
    /** Batch normalization's running statistics: stored with the model, never trained by gradient. */
    private static final Set<String> NON_TRAINABLE_KEYS = Set.of(
            BatchNormalizationParamInitializer.GLOBAL_MEAN,
            BatchNormalizationParamInitializer.GLOBAL_VAR,
            BatchNormalizationParamInitializer.GLOBAL_LOG_STD);

    @com.fasterxml.jackson.annotation.JsonProperty
    public long nonTrainableParams() {
        return totalParams - trainableParams;
    }

    /** Reads the table off an initialised graph whose single input has the given shape (channels first). */
    public static ModelSummary of(ComputationGraph graph, InputShape input) {
        return of(graph, input, CNN2DFormat.NCHW);
    }

    /** The same for a graph that takes its input in {@code format} (NHWC: models imported from Keras). */
    public static ModelSummary of(ComputationGraph graph, InputShape input, CNN2DFormat format) {
        ComputationGraphConfiguration conf = graph.getConfiguration();
        Map<String, InputType> types = conf.getLayerActivationTypes(
                InputType.convolutional(input.height(), input.width(), input.channels(), format));
        Map<String, List<String>> reads = new LinkedHashMap<>();
        for (String name : conf.getTopologicalOrderStr()) {
            if (!name.endsWith(GraphBuilder.SUM_POOL_WINDOW_SUFFIX)) {
                reads.put(name, readsOf(conf, name));
            }
        }
        List<Row> rows = new ArrayList<>();
        long total = 0;
        long trainable = 0;
        for (String name : kerasOrder(reads, conf.getNetworkOutputs().get(0))) {
            long params = 0;
            long frozen = 0;
            org.deeplearning4j.nn.api.Layer layer = graph.getLayer(name);
            if (layer != null) {
                params = layer.numParams();
                for (Map.Entry<String, org.nd4j.linalg.api.ndarray.INDArray> p : layer.paramTable().entrySet()) {
                    if (NON_TRAINABLE_KEYS.contains(p.getKey()) && layer.conf().getLayer() instanceof BatchNormalization) {
                        frozen += p.getValue().length();
                    }
                }
            }
            String type = conf.getNetworkInputs().contains(name) ? "InputLayer" : kerasType(conf.getVertices().get(name));
            rows.add(new Row(name, type, dims(types.get(name)), params, reads.get(name)));
            total += params;
            trainable += params - frozen;
        }
        return new ModelSummary(List.copyOf(rows), total, trainable);
    }

    /** The same table without the input row: Keras prints none for a {@code Sequential} model. */
    public ModelSummary withoutInputRow() {
        return new ModelSummary(rows.stream().filter(r -> !r.type().equals("InputLayer")).toList(), totalParams, trainableParams);
    }

    /** Whether no layer merges inputs: Keras then prints its three-column table. */
    @com.fasterxml.jackson.annotation.JsonIgnore
    public boolean isSequentialLike() {
        return rows.stream().allMatch(r -> r.connectedTo().size() <= 1);
    }

    /** The table exactly as Keras 2 prints it: three columns for a chain, four for a graph that merges. */
    public String toKerasText() {
        boolean chain = isSequentialLike();
        int[] columns = chain ? COLUMNS : GRAPH_COLUMNS;
        int width = chain ? LINE : GRAPH_LINE;
        StringBuilder out = new StringBuilder();
        String thin = "_".repeat(width) + "\n";
        String thick = "=".repeat(width) + "\n";
        out.append(thin).append(chain ? row(columns, "Layer (type)", "Output Shape", "Param #")
                : row(columns, "Layer (type)", "Output Shape", "Param #", "Connected to")).append(thick);
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            String layer = r.name() + " (" + r.type() + ")";
            if (chain) {
                out.append(row(columns, layer, r.kerasShape(), String.valueOf(r.params())));
            } else {
                // Keras names each connection layer[node][tensor]; a ConvLab layer is called once, with one output.
                List<String> connections = r.connectedTo().stream().map(c -> c + "[0][0]").toList();
                out.append(row(columns, layer, r.kerasShape(), String.valueOf(r.params()), connections.isEmpty() ? "" : connections.get(0)));
                for (String more : connections.subList(Math.min(1, connections.size()), connections.size())) {
                    out.append(row(columns, "", "", "", more));
                }
            }
            out.append(i == rows.size() - 1 ? thick : thin);
        }
        out.append(String.format(Locale.US, "Total params: %,d%n", totalParams));
        out.append(String.format(Locale.US, "Trainable params: %,d%n", trainableParams));
        out.append(String.format(Locale.US, "Non-trainable params: %,d%n", nonTrainableParams()));
        out.append(thin);
        return out.toString();
    }

    /**
     * Keras' print_row: each field is cut to its column's end, and the last character before
     * the next field is forced to a space, which is why a long type reads "(MaxPooling2 ".
     */
    private static String row(int[] columns, String... fields) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < fields.length; i++) {
            if (i > 0) {
                line.setLength(line.length() - 1);
                line.append(' ');
            }
            line.append(fields[i]);
            line.setLength(Math.min(line.length(), columns[i]));
            line.append(" ".repeat(columns[i] - line.length()));
        }
        return line + "\n";
    }

    /** The vertices a vertex reads, looking through the averaging vertex inside a sum-pooling layer. */
    private static List<String> readsOf(ComputationGraphConfiguration conf, String name) {
        List<String> inputs = conf.getVertexInputs().get(name);
        if (inputs == null) {
            return List.of();
        }
        List<String> reads = new ArrayList<>();
        for (String input : inputs) {
            reads.addAll(input.endsWith(GraphBuilder.SUM_POOL_WINDOW_SUFFIX) ? readsOf(conf, input) : List.of(input));
        }
        return List.copyOf(reads);
    }

    /**
     * Keras' order of a functional model's layers: by depth (the longest path to the output),
     * deepest first; at equal depth, in the order a depth-first walk back from the output, first
     * inputs first, meets them. For a chain this is the chain's own order.
     */
    private static List<String> kerasOrder(Map<String, List<String>> reads, String output) {
        Map<String, Integer> depth = new HashMap<>();
        depth.put(output, 0);
        List<String> topological = new ArrayList<>(reads.keySet());
        for (int i = topological.size() - 1; i >= 0; i--) {
            String v = topological.get(i);
            int d = depth.getOrDefault(v, 0);
            for (String u : reads.get(v)) {
                depth.merge(u, d + 1, Math::max);
            }
        }
        Map<String, Integer> met = new HashMap<>();
        java.util.Deque<String> stack = new java.util.ArrayDeque<>(List.of(output));
        while (!stack.isEmpty()) {
            String v = stack.pop();
            if (met.putIfAbsent(v, met.size()) == null) {
                List<String> inputs = reads.get(v);
                for (int i = inputs.size() - 1; i >= 0; i--) {
                    stack.push(inputs.get(i));
                }
            }
        }
        return topological.stream().filter(met::containsKey)
                .sorted(java.util.Comparator.<String>comparingInt(v -> -depth.get(v)).thenComparingInt(met::get)).toList();
    }

    private static String kerasType(GraphVertex vertex) {
        LayerKind kind = LayerKind.ofDl4j(vertex);
        if (kind != null) {
            return kind.kerasType();
        }
        return vertex instanceof LayerVertex lv ? lv.getLayerConf().getLayer().getClass().getSimpleName()
                : vertex.getClass().getSimpleName();
    }

    /** DL4J's activation type as Keras' (height, width, channels) or (features). */
    private static List<Integer> dims(InputType type) {
        if (type instanceof InputType.InputTypeConvolutional c) {
            return List.of((int) c.getHeight(), (int) c.getWidth(), (int) c.getChannels());
        }
        if (type instanceof InputType.InputTypeFeedForward f) {
            return List.of((int) f.getSize());
        }
        throw new IllegalStateException("no Keras shape for DL4J input type " + type);
    }
}
