package org.convlab.accel;

import java.lang.reflect.Field;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.convlab.ConvLabException;
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
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which code runs a network's convolutions on the CPU, and the switch to ConvLab's own.
 *
 * <p>{@code dnnl} (the default) gives every plain NCHW float convolution layer a
 * {@link DnnlConvolution} and every such batch-norm layer a {@link DnnlBatchNorm}; {@code dl4j} leaves DL4J's own choice (its oneDNN helper through
 * libnd4j). Chosen with {@code -Dconvlab.conv=...} or {@code CONVLAB_CONV}. Call
 * {@link #install(ComputationGraph)} on every graph after it is built, loaded or cloned: DL4J
 * creates new layer objects each time.
 *
 * <pre>{@code
 * ComputationGraph graph = new GraphBuilder(spec).build(); // GraphBuilder calls install itself
 * Acceleration.install(ModelSerializer.restoreComputationGraph(file, false)); // others must
 * }</pre>
 */
public final class Acceleration {
    public static final String PROPERTY = "convlab.conv";
    public static final String ENV = "CONVLAB_CONV";

    /** The implementations a convolution layer can run on. */
    public enum ConvEngine {
        /** oneDNN called directly: primitives and buffers kept between calls. */
        DNNL,
        /** DL4J's own path (its oneDNN helper through libnd4j, or im2col + gemm). */
        DL4J;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(Acceleration.class);
    private static final Field HELPER = helperField(ConvolutionLayer.class);
    private static final Field BN_HELPER = helperField(BatchNormalization.class);
    /** Layers that run the same code whether libnd4j's platform helpers are on or not, or faster without. */
    private static final Set<Class<?>> INDIFFERENT_TO_PLATFORM_HELPERS = Set.of(
            org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer.class,
            org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer.class,
            org.deeplearning4j.nn.layers.OutputLayer.class,
            org.deeplearning4j.nn.layers.LossLayer.class,
            org.deeplearning4j.nn.layers.ActivationLayer.class,
            org.deeplearning4j.nn.layers.DropoutLayer.class);
    private static volatile Boolean dnnlLoads;

    private Acceleration() {
    }

    /** The engine asked for (property, then environment), DNNL when neither says. */
    public static ConvEngine requested() {
        String value = System.getProperty(PROPERTY, System.getenv(ENV));
        if (value == null || value.isBlank()) {
            return ConvEngine.DNNL;
        }
        for (ConvEngine e : ConvEngine.values()) {
            if (e.label().equals(value.trim().toLowerCase(Locale.ROOT))) {
                return e;
            }
        }
        throw new ConvLabException("convolution engine '" + value + "' (" + PROPERTY + " / " + ENV
                + ") is not known; use dnnl or dl4j");
    }

    /** The engine convolutions really run on here: DNNL only on the CPU backend and where oneDNN loads. */
    public static ConvEngine active() {
        if (requested() != ConvEngine.DNNL || !nd4jBackend().equals("CPU")) {
            return ConvEngine.DL4J;
        }
        return dnnlLoads() ? ConvEngine.DNNL : ConvEngine.DL4J;
    }

    /**
     * What convolutions run on here, in words: "ConvLab oneDNN 2.5.2", "DL4J oneDNN helper" or
     * "DL4J im2col" (no oneDNN in the loaded ND4J build).
     */
    public static String describeActive() {
        if (active() == ConvEngine.DNNL) {
            return "ConvLab oneDNN " + Dnnl.version();
        }
        String backend = nd4jBackend();
        if (backend.equals("CPU")) {
            return org.nd4j.nativeblas.Nd4jCpu.Environment.getInstance().isUseMKLDNN() ? "DL4J oneDNN helper" : "DL4J im2col";
        }
        return "DL4J " + backend;
    }

    /** The backend ND4J loaded, "CPU" or "CUDA", as DL4J's own helper selection reads it. */
    private static String nd4jBackend() {
        return String.valueOf(Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend")).toUpperCase(Locale.ROOT);
    }

    /**
     * Gives the graph's convolution and batch-norm layers ConvLab's oneDNN helpers
     * ({@link DnnlConvolution}, {@link DnnlBatchNorm}) when {@link #active()} is DNNL, with
     * convolution-to-convolution tensors in oneDNN's blocked layout ({@link LayoutLink}).
     *
     * @return the same graph
     */
    public static ComputationGraph install(ComputationGraph graph) {
        return install(graph, true);
    }

    /**
     * Like {@link #install(ComputationGraph)}, but every layer's activations stay in plain NCHW
     * order: for callers that read the activations of inner layers ({@code feedForward}).
     */
    public static ComputationGraph installForInspection(ComputationGraph graph) {
        return install(graph, false);
    }

    private static ComputationGraph install(ComputationGraph graph, boolean linkedLayouts) {
        if (active() != ConvEngine.DNNL || graph.getVertices() == null) {
            return graph;
        }
        Map<Integer, GraphVertex> accelerated = new LinkedHashMap<>();
        for (GraphVertex vertex : graph.getVertices()) {
            if (accelerable(vertex)) {
                accelerated.put(vertex.getVertexIndex(), vertex);
            }
        }
        choosePlatformHelpers(graph, accelerated);
        Map<Integer, LayoutLink> linkIn = new HashMap<>();
        Map<Integer, LayoutLink> linkOut = new HashMap<>();
        if (linkedLayouts) {
            for (GraphVertex producer : accelerated.values()) {
                if (!(producer.getLayer() instanceof ConvolutionLayer)) {
                    continue;
                }
                GraphVertex consumer = soleConvolutionConsumer(graph, producer, accelerated);
                if (consumer != null) {
                    LayoutLink link = new LayoutLink();
                    linkOut.put(producer.getVertexIndex(), link);
                    linkIn.put(consumer.getVertexIndex(), link);
                }
            }
        }
        for (GraphVertex vertex : accelerated.values()) {
            if (vertex.getLayer() instanceof BatchNormalization bn) {
                setField(BN_HELPER, bn, new DnnlBatchNorm());
                continue;
            }
            ConvolutionLayer layer = (ConvolutionLayer) vertex.getLayer();
            setHelper(layer, new DnnlConvolution(!fedByData(graph, vertex), layerConf(layer).hasBias(),
                    linkIn.get(vertex.getVertexIndex()), linkOut.get(vertex.getVertexIndex())));
        }
        return graph;
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
     * The convolution that alone reads {@code producer}'s output, directly (no preprocessor), when
     * the producer's activation works element by element and its output is not a network output;
     * otherwise null.
     */
    private static GraphVertex soleConvolutionConsumer(ComputationGraph graph, GraphVertex producer,
                                                       Map<Integer, GraphVertex> accelerated) {
        VertexIndices[] outputs = producer.getOutputVertices();
        if (outputs == null || outputs.length != 1
                || graph.getConfiguration().getNetworkOutputs().contains(producer.getVertexName())
                || layerConf((ConvolutionLayer) producer.getLayer()).getActivationFn() instanceof ActivationSoftmax) {
            return null;
        }
        GraphVertex consumer = accelerated.get(outputs[0].getVertexIndex());
        if (consumer == null || !(consumer.getLayer() instanceof ConvolutionLayer)
                || ((LayerVertex) consumer).getLayerPreProcessor() != null) {
            return null;
        }
        return consumer;
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

    /**
     * Turns libnd4j's oneDNN "platform helpers" off when nothing in the graph needs them any more.
     * With ConvLab's convolutions, what they still served is pooling, where they are the slow part:
     * libnd4j hands oneDNN plain NCHW arrays and gets its reference kernel (max-pooling
     * 32x32x100x100 here: 74 ms forward, 90 ms backward, against 7.5 and 36 ms for libnd4j's own
     * loops). Any layer left on DL4J's path keeps them on: batch norm and convolutions that ConvLab
     * does not run (NHWC, 1-D, depthwise...) would lose oneDNN altogether (DL4J's batch-norm helper
     * only runs while they are on). The switch is process-wide:
     * the graph installed last decides.
     */
    private static void choosePlatformHelpers(ComputationGraph graph, Map<Integer, GraphVertex> accelerated) {
        boolean needed = false;
        for (GraphVertex vertex : graph.getVertices()) {
            if (vertex.hasLayer() && !accelerated.containsKey(vertex.getVertexIndex())) {
                needed |= !INDIFFERENT_TO_PLATFORM_HELPERS.contains(vertex.getLayer().getClass());
            }
        }
        if (Nd4j.getEnvironment().helpersAllowed() != needed) {
            Nd4j.getEnvironment().allowHelpers(needed);
            LOG.debug("libnd4j platform helpers {}", needed ? "on" : "off (pooling on libnd4j's own loops)");
        }
    }

    private static boolean dnnlLoads() {
        if (dnnlLoads == null) {
            synchronized (Acceleration.class) {
                if (dnnlLoads == null) {
                    try {
                        LOG.debug("oneDNN {}", Dnnl.version());
                        dnnlLoads = true;
                    } catch (Throwable e) {
                        LOG.warn("oneDNN did not load ({}); convolutions run on DL4J's own code", e.toString());
                        dnnlLoads = false;
                    }
                }
            }
        }
        return dnnlLoads;
    }

    /** The helper a convolution layer runs on (for checks and reports). */
    public static ConvolutionHelper helperOf(ConvolutionLayer layer) {
        try {
            return (ConvolutionHelper) HELPER.get(layer);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    static void setHelper(ConvolutionLayer layer, ConvolutionHelper helper) {
        setField(HELPER, layer, helper);
    }

    /** The helper a batch-norm layer runs on (for checks and reports). */
    static Object helperOf(BatchNormalization layer) {
        try {
            return BN_HELPER.get(layer);
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    static void setBatchNormHelper(BatchNormalization layer, Object helper) {
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
