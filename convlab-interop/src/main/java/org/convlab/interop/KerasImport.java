package org.convlab.interop;

import com.fasterxml.jackson.databind.JsonNode;
import org.convlab.BadSettingException;
import org.convlab.ConvLabException;
import org.convlab.Setting;
import org.convlab.arch.ActivationSpec;
import org.convlab.arch.AddSpec;
import org.convlab.arch.ArchitectureSpec;
import org.convlab.arch.BatchNormSpec;
import org.convlab.arch.Conv2DSpec;
import org.convlab.arch.DenseSpec;
import org.convlab.arch.DropoutSpec;
import org.convlab.arch.FlattenSpec;
import org.convlab.arch.GlobalAvgPoolSpec;
import org.convlab.arch.InputShape;
import org.convlab.arch.LayerSpec;
import org.convlab.arch.PoolSpec;
import org.convlab.arch.Size2;
import org.convlab.data.Preprocessing;
import org.convlab.env.EnvironmentInfo;
import org.convlab.io.Sha256;
import org.convlab.ops.Padding;
import org.convlab.runtime.Networks;
import org.convlab.zoo.ModelCard;
import org.convlab.zoo.ModelRegistry;
import org.convlab.zoo.StoredModel;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.modelimport.keras.Hdf5Archive;
import org.deeplearning4j.nn.modelimport.keras.config.KerasModelConfiguration;
import org.deeplearning4j.nn.modelimport.keras.exceptions.InvalidKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.exceptions.UnsupportedKerasConfigurationException;
import org.deeplearning4j.nn.modelimport.keras.utils.KerasModelBuilder;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Keras 2 model ({@code .h5}, {@code Sequential} or functional {@code Model}) into the registry,
 * through DL4J's own Keras import. A {@code .h5} does not say how its pixels were prepared, so the
 * caller does ({@link Options}); that becomes the stored model's preprocessing, applied by
 * {@code predict}, {@code evaluate}, {@code filters} and {@code serve} alike. The card records the
 * source file (name, sha256, Keras version and backend), and the architecture as ConvLab's spec
 * where the layers are ConvLab's kinds.
 *
 * <pre>{@code
 * StoredModel m = KerasImport.into(ModelRegistry.at(Path.of("models")), Path.of("fruits.h5"),
 *         new KerasImport.Options("fruits-keras", labels, KerasImport.Pixels.RAW, Preprocessing.Channels.RGB, null));
 * }</pre>
 */
public final class KerasImport {
    /** How the model's pixels were scaled when it was trained. */
    public enum Pixels {
        /** Divided by 255, to 0..1. */
        UNIT,
        /** The 0..255 values as they are. */
        RAW
    }

    /**
     * @param input the input size where the file leaves it open (else null, or the file's own)
     */
    public record Options(String name, List<String> labels, Pixels pixels, Preprocessing.Channels channelOrder, InputShape input) {
    }

    private KerasImport() {
    }

    /** Imports {@code h5}, checks it against the options, and stores it as a new version of {@code o.name()}. */
    public static StoredModel into(ModelRegistry registry, Path h5, Options o) {
        ModelRegistry.checkName(o.name());
        KerasFile file = KerasFile.read(h5);
        InputShape input = input(file, o.input());
        ComputationGraph graph = Networks.adopt(build(file, input));
        long outputs = outputs(graph);
        if (o.labels().size() != outputs) {
            throw new ConvLabException(h5 + " has " + outputs + " outputs but " + o.labels().size() + " labels were given; give one"
                    + " label per output, in the model's output order");
        }
        Preprocessing.Channels channels = input.channels() == 1 ? Preprocessing.Channels.GREY : o.channelOrder();
        Preprocessing preprocessing = new Preprocessing(input.height(), input.width(), channels, Preprocessing.STRETCH,
                o.pixels() == Pixels.UNIT ? 255 : 1, Preprocessing.Layout.NHWC);
        List<String> layerNames = file.layers().stream().map(l -> l.name() + " (" + l.kerasClass() + ")").toList();
        ModelCard.Source source = new ModelCard.Source(h5.getFileName().toString(), Sha256.of(h5), "keras-h5", file.kerasVersion(),
                file.backend(), file.modelClass(), layerNames);
        ModelCard card = new ModelCard(o.name(), null, Instant.now().toString(), spec(file, input, o.name()), input, List.copyOf(o.labels()),
                preprocessing, null, Map.of(), EnvironmentInfo.describe(), null, null, source);
        registry.checkStorable(o.name());
        return registry.save(o.name(), graph, card, Map.of());
    }

    private static InputShape input(KerasFile file, InputShape asked) {
        int[] own = file.inputShape();
        boolean open = own == null || own[0] == 0 || own[1] == 0 || own[2] == 0;
        if (open && asked == null) {
            throw new BadSettingException(Setting.INPUT, file.path() + " leaves its input size open; give it with %s HxWxC");
        }
        if (!open && asked != null && (asked.height() != own[0] || asked.width() != own[1] || asked.channels() != own[2])) {
            throw new BadSettingException(Setting.INPUT, file.path() + " takes " + own[0] + "x" + own[1] + "x" + own[2]
                    + " images; leave %s out, or give that");
        }
        return open ? asked : new InputShape(own[0], own[1], own[2]);
    }

    private static ComputationGraph build(KerasFile file, InputShape input) {
        int[] shape = {input.height(), input.width(), input.channels()};
        try (Hdf5Archive weights = new Hdf5Archive(file.path().toString())) {
            KerasModelBuilder builder = new KerasModelBuilder(new KerasModelConfiguration())
                    .modelJson(file.functionalJson(shape)).enforceTrainingConfig(false);
            builder.setWeightsArchive(weights);
            builder.setWeightsRoot("model_weights");
            // The builder would close the archive a second time.
            ComputationGraph graph = builder.buildModel().getComputationGraph();
            builder.setWeightsArchive(null);
            return graph;
        } catch (UnsupportedKerasConfigurationException e) {
            throw new ConvLabException(unsupported(file, e.getMessage()));
        } catch (InvalidKerasConfigurationException | IOException | RuntimeException e) {
            throw new ConvLabException(file.path() + " cannot be imported by DL4J's Keras import (" + firstLine(e.getMessage()) + ")");
        }
    }

    /** DL4J names the unsupported class; say which layer of the file it is. */
    private static String unsupported(KerasFile file, String message) {
        String text = firstLine(message);
        for (int i = 0; i < file.layers().size(); i++) {
            KerasFile.Layer l = file.layers().get(i);
            if (text.contains(l.kerasClass())) {
                return "layer " + i + " of " + file.path() + ", '" + l.name() + "' (" + l.kerasClass() + "), cannot be imported by"
                        + " DL4J " + org.convlab.runtime.BuildInfo.dl4jVersion() + " (" + text + ")";
            }
        }
        return file.path() + " cannot be imported by DL4J's Keras import (" + text + ")";
    }

    private static long outputs(ComputationGraph graph) {
        String out = graph.getConfiguration().getNetworkOutputs().get(0);
        if (graph.getConfiguration().getVertices().get(out) instanceof LayerVertex lv
                && lv.getLayerConf().getLayer() instanceof FeedForwardLayer ff) {
            return ff.getNOut();
        }
        throw new ConvLabException("the model's output '" + out + "' is not a dense layer; ConvLab imports classifiers");
    }

    /**
     * The model as ConvLab's spec when its layers are ConvLab's kinds with their Keras settings: a
     * chain, or a functional graph whose layers each read their inbound layers (residual adds
     * included); null otherwise (the card's source then lists the layers).
     */
    static ArchitectureSpec spec(KerasFile file, InputShape input, String name) {
        JsonNode configs = file.modelConfig().path("config").isArray() ? file.modelConfig().path("config")
                : file.modelConfig().path("config").path("layers");
        List<LayerSpec> layers = new ArrayList<>();
        String previous = null;
        for (JsonNode l : configs) {
            String kind = l.path("class_name").asText();
            JsonNode c = l.path("config");
            if (kind.equals("InputLayer")) {
                previous = c.path("name").asText();
                continue;
            }
            List<String> inputs = file.sequential() ? null : inputs(l);
            if (!file.sequential() && inputs == null) {
                return null;
            }
            LayerSpec spec = layer(kind, c, inputs == null || inputs.equals(List.of(previous)) ? null : inputs);
            if (spec == null) {
                return null;
            }
            layers.add(spec);
            previous = c.path("name").asText();
        }
        try {
            return new ArchitectureSpec(name, "imported from " + file.path().getFileName() + " (Keras " + file.kerasVersion() + ")",
                    input, layers);
        } catch (ConvLabException e) {
            return null;
        }
    }

    /** The layers a functional model's layer reads (its one call's inbound layers); null for a shared layer. */
    private static List<String> inputs(JsonNode layer) {
        JsonNode nodes = layer.path("inbound_nodes");
        if (nodes.size() != 1 || nodes.get(0).size() == 0) {
            return null;
        }
        List<String> names = new ArrayList<>();
        for (JsonNode inbound : nodes.get(0)) {
            names.add(inbound.get(0).asText());
        }
        return names;
    }

    /** A Keras layer as ConvLab's, reading {@code inputs} (null: the layer before it); null when it has no counterpart. */
    private static LayerSpec layer(String kind, JsonNode c, List<String> inputs) {
        String name = c.path("name").asText();
        String activation = c.path("activation").asText("linear");
        switch (kind) {
            case "Conv2D":
                if (!c.path("dilation_rate").isMissingNode() && c.path("dilation_rate").get(0).asInt(1) != 1) {
                    return null;
                }
                return new Conv2DSpec(name, c.path("filters").asInt(), size(c.path("kernel_size")), size(c.path("strides")),
                        Padding.parse(c.path("padding").asText("valid")), activation, inputs);
            case "MaxPooling2D":
            case "AveragePooling2D":
                return new PoolSpec(kind.startsWith("Max") ? "max_pool" : "avg_pool", name, size(c.path("pool_size")),
                        size(c.path("strides")), Padding.parse(c.path("padding").asText("valid")), inputs);
            case "Flatten":
                return new FlattenSpec(name, inputs);
            case "Dense":
                return new DenseSpec(name, c.path("units").asInt(), activation, inputs);
            case "Dropout":
                return new DropoutSpec(name, c.path("rate").asDouble(), inputs);
            case "BatchNormalization":
                return new BatchNormSpec(name, c.path("momentum").asDouble(0.99), c.path("epsilon").asDouble(1e-3), inputs);
            case "Activation":
                return new ActivationSpec(name, activation, inputs);
            case "GlobalAveragePooling2D":
                return new GlobalAvgPoolSpec(name, inputs);
            case "Add":
                return inputs == null ? null : new AddSpec(name, inputs);
            default:
                return null;
        }
    }

    private static Size2 size(JsonNode pair) {
        return pair.isArray() && pair.size() == 2 ? new Size2(pair.get(0).asInt(), pair.get(1).asInt()) : null;
    }

    private static String firstLine(String message) {
        String m = String.valueOf(message);
        return m.lines().findFirst().orElse(m);
    }
}
