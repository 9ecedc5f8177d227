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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Keras' {@code model.summary()} for a DL4J {@link ComputationGraph}: one row per layer with
 * its name and Keras type, its output shape in Keras notation and its parameter count. Shapes
 * and counts are read from the built graph itself, not recomputed.
 *
 * <pre>{@code
 * ArchitectureSpec spec = Architectures.get("fruits-cnn");
 * ModelSummary s = ModelSummary.of(GraphBuilder.of(spec).build(), spec.input());
 * System.out.print(s.toKerasText());   // the seed's table, Total params: 10,865,724
 * }</pre>
 */
public record ModelSummary(List<Row> rows, long totalParams, long trainableParams) {

    /** One line of the table. {@code outputShape} has no batch axis. */
    public record Row(String name, String type, List<Integer> outputShape, long params) {
        public String kerasShape() {
            return new LayerShape(outputShape).toKeras();
        }
    }

    /** Keras' layout for a chain of layers: 65 characters, columns ending at 29, 55 and 65. */
    private static final int LINE = 65;
    private static final int[] COLUMNS = {29, 55, 65};
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
        List<Row> rows = new ArrayList<>();
        long total = 0;
        long trainable = 0;
        for (String name : conf.getTopologicalOrderStr()) {
            if (name.endsWith(GraphBuilder.SUM_POOL_WINDOW_SUFFIX)) {
                continue;
            }
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
            rows.add(new Row(name, type, dims(types.get(name)), params));
            total += params;
            trainable += params - frozen;
        }
        return new ModelSummary(List.copyOf(rows), total, trainable);
    }

    /** The same table without the input row: Keras prints none for a {@code Sequential} model. */
    public ModelSummary withoutInputRow() {
        return new ModelSummary(rows.stream().filter(r -> !r.type().equals("InputLayer")).toList(), totalParams, trainableParams);
    }

    /** The table exactly as Keras 2 prints it for a sequential-like model. */
    public String toKerasText() {
        StringBuilder out = new StringBuilder();
        String thin = "_".repeat(LINE) + "\n";
        String thick = "=".repeat(LINE) + "\n";
        out.append(thin).append(row("Layer (type)", "Output Shape", "Param #")).append(thick);
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            out.append(row(r.name() + " (" + r.type() + ")", r.kerasShape(), String.valueOf(r.params())));
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
    private static String row(String... fields) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < fields.length; i++) {
            if (i > 0) {
                line.setLength(line.length() - 1);
                line.append(' ');
            }
            line.append(fields[i]);
            line.setLength(Math.min(line.length(), COLUMNS[i]));
            line.append(" ".repeat(COLUMNS[i] - line.length()));
        }
        return line + "\n";
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
