package org.convlab.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import org.convlab.ConvLabException;
import org.convlab.io.JsonFiles;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The ranges int8 inference quantizes over: for each 2-D convolution and hidden dense layer, the
 * range of its input on a sample of training images, clipped where that loses less than the steps
 * it gains ({@link ClippingSearch}; the search PyTorch's {@code HistogramObserver} makes).
 * {@code convlab train} stores one with every model ({@value #FILE}, over {@value #DEFAULT_IMAGES}
 * training images); {@code convlab calibrate} adds one to a model that lacks it.
 *
 * <pre>{@code
 * Int8Calibration ranges = Int8Calibration.measure(graph, List.of(images));
 * Precision.request(Precision.INT8);
 * ComputationGraph fast = Networks.frozen(graph, ranges);   // int8 on a VNNI CPU
 * }</pre>
 *
 * @param images how many images the ranges were measured on
 * @param inputs each quantizable layer's name and the range of its input
 */
public record Int8Calibration(int images, Map<String, Int8Calibration.InputRange> inputs) {
    public static final String FILE = "int8-calibration.json";
    public static final int DEFAULT_IMAGES = 1024;
    private static final ObjectMapper JSON = JsonFiles.mapper();

    public Int8Calibration {
        if (inputs == null) {
            throw new IllegalArgumentException("it holds no \"inputs\" (the layers' input ranges)");
        }
        inputs = Collections.unmodifiableMap(new TreeMap<>(inputs)); // by name: the same file for the same ranges
    }

    /**
     * The values one layer's input took over the sample, clipped: an int8 layer maps them onto 0..255 when they
     * are never negative (as after a ReLU), else onto -127..127; values outside saturate.
     */
    public record InputRange(float min, float max) {
        public InputRange {
            if (!Float.isFinite(min) || !Float.isFinite(max) || min > max) {
                throw new IllegalArgumentException("an input range needs finite min <= max, received [" + min + ", " + max + "]");
            }
        }

        /** The smallest range holding both. */
        InputRange union(InputRange other) {
            return new InputRange(Math.min(min, other.min), Math.max(max, other.max));
        }
    }

    /**
     * Runs {@code sample}'s batches (preprocessed as the graph takes them) through the graph in float, twice:
     * once for each quantizable layer's input extremes, once for a histogram of its values, and
     * returns the clipped ranges. The graph itself is not changed.
     */
    public static Int8Calibration measure(ComputationGraph graph, List<INDArray> sample) {
        Map<String, String> inputOf = new TreeMap<>();
        graph.getConfiguration().getVertices().forEach((name, vertex) -> {
            if (vertex instanceof LayerVertex lv && (lv.getLayerConf().getLayer().getClass() == ConvolutionLayer.class
                    || lv.getLayerConf().getLayer().getClass() == DenseLayer.class)) {
                inputOf.put(name, graph.getConfiguration().getVertexInputs().get(name).get(0));
            }
        });
        Map<String, InputRange> extremes = new TreeMap<>();
        Map<String, ClippingSearch> searches = new TreeMap<>();
        int images = 0;
        try (LayerOutputs outputs = LayerOutputs.of(graph, new TreeSet<>(inputOf.values()))) {
            for (INDArray batch : sample) {
                forEachLayerInput(outputs, batch, inputOf, (layer, a) -> extremes.merge(layer,
                        new InputRange(a.minNumber().floatValue(), a.maxNumber().floatValue()), InputRange::union));
                images += (int) batch.size(0);
            }
            if (images == 0) {
                throw new ConvLabException("int8 calibration needs at least one image; the sample was empty");
            }
            extremes.forEach((layer, r) -> searches.put(layer, new ClippingSearch(Math.max(-r.min(), r.max()))));
            for (INDArray batch : sample) {
                forEachLayerInput(outputs, batch, inputOf, (layer, a) -> searches.get(layer).add(a));
            }
        }
        Map<String, InputRange> ranges = new TreeMap<>();
        extremes.forEach((layer, r) -> {
            // u8 spreads 255 steps over [0, T]; s8 127 on each side of zero.
            float t = searches.get(layer).limit(r.min() >= 0 ? 255 : 127);
            ranges.put(layer, new InputRange(Math.max(r.min(), -t), Math.min(r.max(), t)));
        });
        return new Int8Calibration(images, ranges);
    }

    /** Hands each quantizable layer's input for {@code batch} to {@code use}, by layer name. */
    private static void forEachLayerInput(LayerOutputs outputs, INDArray batch, Map<String, String> inputOf,
                                          BiConsumer<String, INDArray> use) {
        outputs.read(batch, (vertex, output) -> inputOf.forEach((layer, input) -> {
            if (input.equals(vertex)) {
                use.accept(layer, output);
            }
        }));
    }

    /** The calibration in {@code file}, or null when there is no such file. */
    public static Int8Calibration readIfPresent(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return JSON.readValue(file.toFile(), Int8Calibration.class);
        } catch (JsonProcessingException e) {
            throw new ConvLabException("int8 calibration " + file + " cannot be read (" + JsonFiles.problem(e)
                    + "); measure it again with convlab calibrate");
        } catch (IOException e) {
            throw new ConvLabException("int8 calibration " + file + " cannot be read (" + e.getMessage() + ")");
        }
    }

    /** Writes to {@code file} whole or not at all (a temporary file beside it, then a rename). */
    public void write(Path file) {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        try {
            JSON.writeValue(tmp.toFile(), this);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new ConvLabException("cannot write the int8 calibration " + file + ": " + e.getMessage());
        } finally {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // Nothing was renamed; a leftover temporary file is harmless.
            }
        }
    }
}
