package org.convlab.infer;

import org.convlab.ConvLabException;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * Which layer an embedding comes from, and its activations as one vector per image: for {@link Classifier#embed}
 * and for servers that run the truncated network ({@link org.convlab.zoo.StoredModel#frozenUpTo}) themselves.
 */
public final class Embeddings {
    private Embeddings() {
    }

    /** The layer that feeds the network's output layer, walking back over dropout (nothing at inference). */
    public static String defaultLayer(ComputationGraph graph) {
        ComputationGraphConfiguration conf = graph.getConfiguration();
        String head = conf.getNetworkOutputs().get(0);
        String layer = soleInput(conf, head);
        while (conf.getVertices().get(layer) instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof DropoutLayer) {
            layer = soleInput(conf, layer);
        }
        return layer;
    }

    private static String soleInput(ComputationGraphConfiguration conf, String vertex) {
        List<String> inputs = conf.getVertexInputs().get(vertex);
        if (inputs == null || inputs.size() != 1 || !conf.getVertices().containsKey(inputs.get(0))) {
            throw new ConvLabException("'" + vertex + "' does not read one layer; name the layer to embed from");
        }
        return inputs.get(0);
    }

    /** Refuses a layer the model lacks, and its output layer (that is {@code predict}). */
    static void requireLayer(ComputationGraph graph, String layer, String model) {
        ComputationGraphConfiguration conf = graph.getConfiguration();
        if (!conf.getVertices().containsKey(layer)) {
            throw new ConvLabException("model " + model + " has no layer '" + layer + "'; its layers: "
                    + String.join(", ", conf.getTopologicalOrderStr().stream().filter(conf.getVertices()::containsKey).toList()));
        }
        if (conf.getNetworkOutputs().contains(layer)) {
            throw new ConvLabException("'" + layer + "' is model " + model + "'s output layer: its activations are the class"
                    + " probabilities (predict); embed from a layer before it, by default " + defaultLayer(graph));
        }
    }

    /** Each image's activations ([N, ...]) flattened in C order, divided by their L2 norm when asked (a zero vector stays zero). */
    public static List<float[]> rows(INDArray activations, boolean l2Normalise) {
        float[][] flat = activations.castTo(DataType.FLOAT).reshape('c', activations.size(0), -1).toFloatMatrix();
        List<float[]> rows = new ArrayList<>();
        for (float[] v : flat) {
            if (l2Normalise) {
                double sum = 0;
                for (float x : v) {
                    sum += (double) x * x;
                }
                if (sum > 0) {
                    float scale = (float) (1 / Math.sqrt(sum));
                    for (int j = 0; j < v.length; j++) {
                        v[j] *= scale;
                    }
                }
            }
            rows.add(v);
        }
        return rows;
    }
}
