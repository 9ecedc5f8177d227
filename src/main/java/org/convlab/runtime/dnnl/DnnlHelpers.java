package org.convlab.runtime.dnnl;

import java.lang.reflect.Field;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.layers.convolution.ConvolutionHelper;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Installs ConvLab's oneDNN helpers into a graph: every plain NCHW float convolution layer gets a
 * {@link DnnlConvolution} and every such batch-norm layer a {@link DnnlBatchNorm}, with the
 * tensors from one convolution to the next (directly or through a batch norm) in oneDNN's blocked
 * layout ({@link LayoutLink}) unless the caller reads inner activations. Only {@code org.convlab.runtime} calls it: DL4J creates new layer
 * objects whenever a graph is built, loaded or cloned, and the runtime's one door installs them each time.
 */
public final class DnnlHelpers {
    private static final Field HELPER = helperField(ConvolutionLayer.class);
    private static final Field BN_HELPER = helperField(BatchNormalization.class);

    private DnnlHelpers() {
    }

    /**
     * Gives the graph's convolution and batch-norm layers ConvLab's oneDNN helpers. With
     * {@code linkedLayouts} false every layer's activations stay in plain NCHW order, for callers
     * that read the activations of inner layers ({@code feedForward}). With {@code bf16} the
     * convolutions multiply in bfloat16 (see {@link DnnlConvolution}); the caller checks the CPU.
     */
    public static void install(ComputationGraph graph, boolean linkedLayouts, boolean bf16) {
        if (graph.getVertices() == null) {
            return;
        }
        Map<Integer, GraphVertex> accelerated = new LinkedHashMap<>();
        for (GraphVertex vertex : graph.getVertices()) {
            if (accelerable(vertex)) {
                accelerated.put(vertex.getVertexIndex(), vertex);
            }
        }
        Map<Integer, LayoutLink> linkOut = new HashMap<>();
        Map<Integer, LayoutLink> linkIn = new HashMap<>();
        if (linkedLayouts) {
            link(graph, accelerated, linkOut, linkIn);
        }
        for (GraphVertex vertex : accelerated.values()) {
            LayoutLink link = linkOut.get(vertex.getVertexIndex());
            if (vertex.getLayer() instanceof BatchNormalization bn) {
                setField(BN_HELPER, bn, new DnnlBatchNorm(link));
                continue;
            }
            ConvolutionLayer layer = (ConvolutionLayer) vertex.getLayer();
            setHelper(layer, new DnnlConvolution(!fedByData(graph, vertex), layerConf(layer).hasBias(),
                    linkIn.get(vertex.getVertexIndex()), link, bf16));
        }
    }

    /**
     * The links from each convolution whose output goes to the next convolution alone, directly
     * or through one batch norm (conv -> BN -> conv: the batch norm runs on the handed-over layout
     * too): {@code out} by the producing convolution's and the batch norm's vertex index, {@code in}
     * by the consuming convolution's.
     */
    private static void link(ComputationGraph graph, Map<Integer, GraphVertex> accelerated,
                             Map<Integer, LayoutLink> out, Map<Integer, LayoutLink> in) {
        for (GraphVertex producer : accelerated.values()) {
            if (!(producer.getLayer() instanceof ConvolutionLayer)
                    || layerConf((ConvolutionLayer) producer.getLayer()).getActivationFn() instanceof ActivationSoftmax) {
                continue;
            }
            GraphVertex next = soleConsumer(graph, producer, accelerated);
            GraphVertex norm = next != null && next.getLayer() instanceof BatchNormalization ? next : null;
            if (norm != null) {
                next = soleConsumer(graph, norm, accelerated);
            }
            if (next != null && next.getLayer() instanceof ConvolutionLayer) {
                LayoutLink link = new LayoutLink();
                out.put(producer.getVertexIndex(), link);
                if (norm != null) {
                    out.put(norm.getVertexIndex(), link);
                }
                in.put(next.getVertexIndex(), link);
            }
        }
    }

    private static boolean accelerable(GraphVertex vertex) {
        if (vertex.hasLayer() && vertex.getLayer().getClass() == BatchNormalization.class) {
            var conf = (org.deeplearning4j.nn.conf.layers.BatchNormalization) vertex.getLayer().conf().getLayer();
            return conf.getCnn2DFormat() == CNN2DFormat.NCHW && !conf.isLockGammaBeta()
                    && vertex.getLayer().getParam("gamma").dataType() == DataType.FLOAT;
        }
        if (!vertex.hasLayer() || vertex.getLayer().getClass() != ConvolutionLayer.class) {
            return false;
        }
        ConvolutionLayer layer = (ConvolutionLayer) vertex.getLayer();
        var conf = layerConf(layer);
        return conf.getCnn2dDataFormat() == CNN2DFormat.NCHW && conf.getConvolutionMode() != ConvolutionMode.Causal
                && layer.getParam("W").dataType() == DataType.FLOAT;
    }

    private static org.deeplearning4j.nn.conf.layers.ConvolutionLayer layerConf(ConvolutionLayer layer) {
        return (org.deeplearning4j.nn.conf.layers.ConvolutionLayer) layer.conf().getLayer();
    }

    /**
     * The accelerated layer that alone reads {@code producer}'s output, directly (no
     * preprocessor), when that output is not a network output; otherwise null.
     */
    private static GraphVertex soleConsumer(ComputationGraph graph, GraphVertex producer,
                                            Map<Integer, GraphVertex> accelerated) {
        VertexIndices[] outputs = producer.getOutputVertices();
        if (outputs == null || outputs.length != 1
                || graph.getConfiguration().getNetworkOutputs().contains(producer.getVertexName())) {
            return null;
        }
        GraphVertex consumer = accelerated.get(outputs[0].getVertexIndex());
        return consumer == null || ((LayerVertex) consumer).getLayerPreProcessor() != null ? null : consumer;
    }

    /**
     * Whether a layer reads the network's input directly, with nothing between that would need
     * the gradient at its input (a preprocessor or dropout).
     */
    private static boolean fedByData(ComputationGraph graph, GraphVertex vertex) {
        if (!(vertex instanceof LayerVertex lv) || lv.getLayerPreProcessor() != null
                || lv.getLayer().conf().getLayer().getIDropout() != null) {
            return false;
        }
        VertexIndices[] inputs = vertex.getInputVertices();
        if (inputs == null || inputs.length == 0) {
            return false;
        }
        for (VertexIndices in : inputs) {
            if (!graph.getVertices()[in.getVertexIndex()].isInputVertex()) {
                return false;
            }
        }
        return true;
    }

    /** The helper a convolution layer runs on (for checks and reports). */
    public static ConvolutionHelper helperOf(ConvolutionLayer layer) {
        try {
            return (ConvolutionHelper) HELPER.get(layer);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Replaces a convolution layer's helper (null: DL4J's built-in path); for tests that compare both. */
    public static void setHelper(ConvolutionLayer layer, ConvolutionHelper helper) {
        setField(HELPER, layer, helper);
    }

    /** The helper a batch-norm layer runs on (for checks and reports). */
    public static Object helperOf(BatchNormalization layer) {
        try {
            return BN_HELPER.get(layer);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Replaces a batch-norm layer's helper (null: DL4J's built-in path); for tests that compare both. */
    public static void setBatchNormHelper(BatchNormalization layer, Object helper) {
        setField(BN_HELPER, layer, helper);
    }

    private static void setField(Field field, Object layer, Object helper) {
        try {
            field.set(layer, helper);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    // DL4J picks a layer's helper in its constructor and offers no setter; the field is the only way in.
    private static Field helperField(Class<?> layerClass) {
        try {
            Field f = layerClass.getDeclaredField("helper");
            f.setAccessible(true);
            return f;
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("DL4J's " + layerClass.getSimpleName()
                    + " has no 'helper' field; this DL4J version is not supported", e);
        }
    }
}
