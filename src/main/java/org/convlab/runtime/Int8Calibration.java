package org.convlab.runtime;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import org.convlab.ConvLabException;
import org.convlab.io.JsonFiles;
import org.convlab.runtime.dnnl.ActivationRange;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The ranges int8 inference quantizes over: for each 2-D convolution and hidden dense layer, the
 * smallest and largest value its input took on a sample of training images (min-max calibration,
 * as PyTorch's and oneDNN's static quantization do it). {@code convlab train} stores one with every
 * model ({@value #FILE}, over {@value #DEFAULT_IMAGES} training images); {@code convlab calibrate}
 * adds one to a model that lacks it.
 *
 * <pre>{@code
 * Int8Calibration ranges = Int8Calibration.measure(graph, List.of(images).iterator());
 * Precision.request(Precision.INT8);
 * ComputationGraph fast = Networks.frozen(graph, ranges);   // int8 on a VNNI CPU
 * }</pre>
 *
 * @param images how many images the ranges were measured on
 * @param inputs each quantizable layer's name and the range of its input
 */
public record Int8Calibration(int images, Map<String, ActivationRange> inputs) {
    public static final String FILE = "int8-calibration.json";
    public static final int DEFAULT_IMAGES = 2048;
    private static final ObjectMapper JSON = JsonFiles.mapper();

    public Int8Calibration {
        inputs = Map.copyOf(inputs);
    }

    /**
     * Runs {@code batches} (preprocessed as the graph takes them) through the graph in float and
     * records each quantizable layer's input range. The graph itself is not changed.
     */
    public static Int8Calibration measure(ComputationGraph graph, Iterator<INDArray> batches) {
        Map<String, String> inputOf = new TreeMap<>();
        graph.getConfiguration().getVertices().forEach((name, vertex) -> {
            if (vertex instanceof LayerVertex lv && (lv.getLayerConf().getLayer().getClass() == ConvolutionLayer.class
                    || lv.getLayerConf().getLayer().getClass() == DenseLayer.class)) {
                inputOf.put(name, graph.getConfiguration().getVertexInputs().get(name).get(0));
            }
        });
        ComputationGraph probe = Networks.inspectable(graph);
        Map<String, ActivationRange> ranges = new TreeMap<>();
        int images = 0;
        while (batches.hasNext()) {
            INDArray batch = batches.next();
            Map<String, INDArray> activations = probe.feedForward(batch, false);
            activations.putIfAbsent(graph.getConfiguration().getNetworkInputs().get(0), batch);
            inputOf.forEach((layer, input) -> {
                INDArray a = activations.get(input);
                ActivationRange r = new ActivationRange(a.minNumber().floatValue(), a.maxNumber().floatValue());
                ranges.merge(layer, r, ActivationRange::union);
            });
            images += (int) batch.size(0);
        }
        if (images == 0) {
            throw new ConvLabException("int8 calibration needs at least one image; the sample was empty");
        }
        return new Int8Calibration(images, ranges);
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
