package org.convlab.runtime.dnnl;

import java.lang.reflect.Field;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.bytedeco.dnnl.memory;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.layers.convolution.ConvolutionHelper;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.OutputLayer;
import org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Installs ConvLab's oneDNN helpers into a graph: every plain NCHW float convolution layer runs on a
 * {@link DnnlConvolution} (a ReLU or identity one is replaced by a {@link DnnlConvolutionLayer},
 * which runs its activation on oneDNN too), every such batch-norm layer gets a {@link DnnlBatchNorm},
 * every max (or unpadded average) pooling layer is replaced by a {@link DnnlPooling}, and every dense
 * and output layer by a {@link DnnlDenseLayer} or {@link DnnlOutputLayer}; the tensors from a
 * convolution through batch norms, activation layers and pooling to the next convolution travel in
 * oneDNN's blocked layout ({@link LayoutLink}) unless the caller reads inner activations. Only
 * {@code org.convlab.runtime} calls it: DL4J creates new layer objects whenever a graph is built,
 * loaded or cloned, and the runtime's one door installs them each time.
 */
public final class DnnlHelpers {
    /** What a frozen graph answers when asked to train. */
    static final String FROZEN = "this graph is frozen for inference (Networks.frozen): its weights are packed"
            + " for the kernels and must not change; train the graph it was copied from";
    private static final Field HELPER = helperField(ConvolutionLayer.class);
    private static final Field BN_HELPER = helperField(BatchNormalization.class);
    private static final Field VERTEX_LAYER = field(LayerVertex.class, "layer");

    private DnnlHelpers() {
    }

    /**
     * Gives the graph's convolution and batch-norm layers ConvLab's oneDNN helpers. With
     * {@code linkedLayouts} false every layer's activations stay in plain NCHW order, for callers
     * that read the activations of inner layers ({@code feedForward}). With {@code bf16} the
     * convolutions multiply in bfloat16 (see {@link DnnlConvolution}); the caller checks the CPU.
     * Dense and output layers run on oneDNN's inner product ({@link InnerProduct}). With {@code frozen} the
     * graph is for inference only: its weights are reordered for the kernels once (to bf16 in bf16
     * mode, dense layers included), and backprop is refused. A frozen graph's convolution and dense
     * (not output) layers named in {@code int8Inputs} multiply in int8, their inputs quantized over
     * the given ranges (see {@link Int8}); the other layers run as {@code bf16} says.
     */
    public static void install(ComputationGraph graph, boolean linkedLayouts, boolean bf16, boolean frozen,
                               Map<String, ActivationRange> int8Inputs) {
        install(graph, linkedLayouts, bf16, frozen, int8Inputs, false);
    }

    /** As {@link #install(ComputationGraph, boolean, boolean, boolean, Map)}; {@code directOnly}: no Winograd anywhere. */
    public static void install(ComputationGraph graph, boolean linkedLayouts, boolean bf16, boolean frozen,
                               Map<String, ActivationRange> int8Inputs, boolean directOnly) {
        if (graph.getVertices() == null) {
            return;
        }
        Map<Integer, GraphVertex> accelerated = new LinkedHashMap<>();
        for (GraphVertex vertex : graph.getVertices()) {
            if (vertex.hasLayer() && vertex.getLayer() instanceof org.deeplearning4j.nn.layers.FrozenLayer wrapper) {
                installFrozen(wrapper.getUnderlying(), bf16, directOnly);
            } else if (accelerable(vertex)) {
                accelerated.put(vertex.getVertexIndex(), vertex);
            } else if (vertex.hasLayer() && vertex.getLayer().getClass() == DenseLayer.class) {
                replace(graph, (LayerVertex) vertex, vertex.getLayer(), new DnnlDenseLayer(vertex.getLayer().conf(),
                        graph.getConfiguration().getDataType(), new InnerProduct(bf16, frozen, int8Inputs.get(vertex.getVertexName()))));
            } else if (vertex.hasLayer() && vertex.getLayer().getClass() == OutputLayer.class) {
                replace(graph, (LayerVertex) vertex, vertex.getLayer(), new DnnlOutputLayer(vertex.getLayer().conf(),
                        graph.getConfiguration().getDataType(), new InnerProduct(bf16, frozen, null)));
            }
        }
        Set<Integer> blocked = linkedLayouts ? blockedOutputs(graph, accelerated) : Set.of();
        boolean bf16Link = bf16 && blocked.stream().allMatch(i -> readsBf16(graph.getVertices()[i]))
                && (frozen || blocked.stream().allMatch(i -> graph.getVertices()[i].getOutputVertices().length == 1));
        LayoutLink link = new LayoutLink(bf16Link ? memory.data_type.bf16 : memory.data_type.f32);
        Map<Integer, IntegerHandOver> integerHandOvers = integerHandOvers(graph, accelerated, blocked, int8Inputs);
        // Each hand-over's tensors (the producer's output, and a max pool's in between) travel on a link of their own.
        Map<Integer, LayoutLink> integerLinks = new HashMap<>();
        integerHandOvers.forEach((producer, handOver) -> {
            LayoutLink integers = new LayoutLink(int8Inputs.get(handOver.reader()).unsigned() ? memory.data_type.u8
                    : memory.data_type.s8);
            integerLinks.put(producer, integers);
            if (handOver.maxPool() != null) {
                integerLinks.put(handOver.maxPool(), integers);
            }
        });
        for (GraphVertex vertex : accelerated.values()) {
            LayoutLink in = integerLinks.containsKey(soleInput(vertex)) ? integerLinks.get(soleInput(vertex))
                    : blocked.contains(soleInput(vertex)) ? link : null;
            LayoutLink out = integerLinks.containsKey(vertex.getVertexIndex()) ? integerLinks.get(vertex.getVertexIndex())
                    : blocked.contains(vertex.getVertexIndex()) ? link : null;
            if (vertex.getLayer() instanceof BatchNormalization bn) {
                setField(BN_HELPER, bn, new DnnlBatchNorm(in, out));
            } else if (vertex.getLayer() instanceof SubsamplingLayer pooling) {
                replace(graph, (LayerVertex) vertex, pooling, new DnnlPooling(pooling.conf(),
                        graph.getConfiguration().getDataType(), in, out));
            } else {
                ConvolutionLayer layer = (ConvolutionLayer) vertex.getLayer();
                var conf = layerConf(layer);
                IntegerHandOver handOver = integerHandOvers.get(vertex.getVertexIndex());
                DnnlConvolution engine = new DnnlConvolution(!fedByData(graph, vertex), conf.hasBias(), in, out, bf16,
                        frozen, int8Inputs.get(vertex.getVertexName()),
                        handOver == null ? null : int8Inputs.get(handOver.reader()), directOnly);
                if (DnnlConvolutionLayer.handles(conf)) {
                    replace(graph, (LayerVertex) vertex, layer, new DnnlConvolutionLayer(layer.conf(),
                            graph.getConfiguration().getDataType(), engine));
                } else {
                    setHelper(layer, engine);
                }
            }
        }
    }

    /**
     * The layer inside a fine-tuning run's {@code FrozenLayer}: always run in inference mode, never
     * back-propagated through, its weights constant. Its convolution and batch norm get helpers (plain NCHW in
     * and out, weights packed once); the rest runs on DL4J's own code.
     */
    private static void installFrozen(Layer inner, boolean bf16, boolean directOnly) {
        if (inner.getClass() == ConvolutionLayer.class && convolutionRuns((ConvolutionLayer) inner)) {
            setHelper((ConvolutionLayer) inner, new DnnlConvolution(false, layerConf((ConvolutionLayer) inner).hasBias(), null, null,
                    bf16, true, null, null, directOnly));
        } else if (inner.getClass() == BatchNormalization.class && batchNormRuns((BatchNormalization) inner)) {
            setField(BN_HELPER, inner, new DnnlBatchNorm(null, null));
        }
    }

    /** An int8 convolution's output read by one int8 convolution alone, directly or through one max pool. */
    private record IntegerHandOver(Integer maxPool, String reader) {
    }

    /**
     * The int8 convolutions whose output goes, blocked, to one int8 convolution alone (directly, or
     * through a max pooling layer that alone reads it and is alone read by that convolution), by the
     * producer's index: the producer writes the reader's input integers (see {@link Int8}), and the max
     * pool, which picks values without changing them, pools those integers. Both convolutions run their
     * activation on oneDNN (DL4J applies none to the tensors between them).
     */
    private static Map<Integer, IntegerHandOver> integerHandOvers(ComputationGraph graph,
                                                                  Map<Integer, GraphVertex> accelerated,
                                                                  Set<Integer> blocked,
                                                                  Map<String, ActivationRange> int8Inputs) {
        Map<Integer, IntegerHandOver> handOvers = new HashMap<>();
        for (GraphVertex producer : accelerated.values()) {
            if (!int8Convolution(producer, int8Inputs)) {
                continue;
            }
            GraphVertex next = soleBlockedReader(graph, producer, blocked);
            Integer maxPool = null;
            if (next != null && accelerated.containsKey(next.getVertexIndex())
                    && next.getLayer() instanceof SubsamplingLayer pool && pool.layerConf().getPoolingType() == PoolingType.MAX
                    && pool.conf().getLayer().getIDropout() == null) {
                maxPool = next.getVertexIndex();
                next = soleBlockedReader(graph, next, blocked);
            }
            if (next != null && accelerated.containsKey(next.getVertexIndex()) && int8Convolution(next, int8Inputs)) {
                handOvers.put(producer.getVertexIndex(), new IntegerHandOver(maxPool, next.getVertexName()));
            }
        }
        return handOvers;
    }

    /** The one vertex that reads {@code vertex}'s blocked output, its only input; null if there is no such vertex. */
    private static GraphVertex soleBlockedReader(ComputationGraph graph, GraphVertex vertex, Set<Integer> blocked) {
        if (!blocked.contains(vertex.getVertexIndex()) || vertex.getOutputVertices().length != 1) {
            return null;
        }
        GraphVertex reader = graph.getVertices()[vertex.getOutputVertices()[0].getVertexIndex()];
        return soleInput(reader) == vertex.getVertexIndex() ? reader : null;
    }

    private static boolean int8Convolution(GraphVertex vertex, Map<String, ActivationRange> int8Inputs) {
        return vertex.getLayer() instanceof ConvolutionLayer conv
                && DnnlConvolutionLayer.handles(layerConf(conv)) && int8Inputs.containsKey(vertex.getVertexName());
    }

    /**
     * The vertices whose output may travel in oneDNN's blocked layout: produced by a convolution,
     * or by a batch norm, pooling or activation layer whose input travels so, and read only by
     * layers that take it (convolutions, batch norms and pooling always, activation layers when
     * their own output travels so too), not a network output. Found by striking out, until nothing
     * changes, every candidate that breaks a rule; a batch norm or pooling layer whose output cannot
     * travel blocked still takes a blocked input (it reorders its output).
     */
    private static Set<Integer> blockedOutputs(ComputationGraph graph, Map<Integer, GraphVertex> accelerated) {
        Set<Integer> blocked = new HashSet<>();
        for (GraphVertex vertex : graph.getVertices()) {
            if (accelerated.containsKey(vertex.getVertexIndex()) || elementWiseLayer(vertex)) {
                blocked.add(vertex.getVertexIndex());
            }
        }
        boolean changed = true;
        while (changed) {
            changed = blocked.removeIf(index -> !staysBlocked(graph, graph.getVertices()[index], accelerated, blocked));
        }
        return blocked;
    }

    private static boolean staysBlocked(ComputationGraph graph, GraphVertex vertex, Map<Integer, GraphVertex> accelerated,
                                        Set<Integer> blocked) {
        boolean convolution = vertex.getLayer() instanceof ConvolutionLayer;
        if (graph.getConfiguration().getNetworkOutputs().contains(vertex.getVertexName())
                || (convolution && layerConf((ConvolutionLayer) vertex.getLayer()).getActivationFn() instanceof ActivationSoftmax)
                || (!convolution && !blocked.contains(soleInput(vertex)))) {
            return false;
        }
        VertexIndices[] consumers = vertex.getOutputVertices();
        if (consumers == null || consumers.length == 0) {
            return false;
        }
        for (VertexIndices c : consumers) {
            GraphVertex consumer = graph.getVertices()[c.getVertexIndex()];
            boolean takesBlocked = accelerated.containsKey(c.getVertexIndex()) || blocked.contains(c.getVertexIndex());
            if (!takesBlocked || ((LayerVertex) consumer).getLayerPreProcessor() != null) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether a vertex whose output travels linked reads and writes its tensors only through oneDNN,
     * so they may be bf16: batch norm and pooling without dropout, and convolutions whose activation
     * runs on oneDNN too; DL4J's activation layers, dropout, and convolutions whose activation DL4J
     * applies read floats. (While training, DL4J also adds up the gradients of a tensor read twice,
     * so the caller asks for one reader each.)
     */
    private static boolean readsBf16(GraphVertex vertex) {
        Layer layer = vertex.getLayer();
        return ((layer instanceof BatchNormalization || layer instanceof SubsamplingLayer)
                && layer.conf().getLayer().getIDropout() == null)
                || (layer instanceof ConvolutionLayer conv && DnnlConvolutionLayer.handles(layerConf(conv)));
    }

    /** An activation layer that works element by element (any function but softmax), with no preprocessor. */
    private static boolean elementWiseLayer(GraphVertex vertex) {
        return vertex instanceof LayerVertex lv && lv.getLayerPreProcessor() == null
                && lv.getLayer() instanceof org.deeplearning4j.nn.layers.ActivationLayer
                && !(lv.getLayer().conf().getLayer() instanceof org.deeplearning4j.nn.conf.layers.ActivationLayer a
                        && a.getActivationFn() instanceof ActivationSoftmax);
    }

    /** The vertex a one-input vertex reads, or -1. */
    private static int soleInput(GraphVertex vertex) {
        VertexIndices[] inputs = vertex.getInputVertices();
        return inputs != null && inputs.length == 1 ? inputs[0].getVertexIndex() : -1;
    }

    /**
     * Puts {@code replacement} where {@code layer} was, in its vertex and in the graph's layer list,
     * on the same parameter and gradient views (an updater built earlier updates them in place).
     */
    private static void replace(ComputationGraph graph, LayerVertex vertex, Layer layer, Layer replacement) {
        replacement.setListeners(layer.getListeners());
        replacement.setIndex(layer.getIndex());
        replacement.setIterationCount(layer.getIterationCount());
        replacement.setEpochCount(layer.getEpochCount());
        if (layer.numParams() > 0) {
            replacement.setParamsViewArray(layer.params());
            replacement.setParamTable(layer.paramTable());
            if (layer.getGradientsViewArray() != null) {
                replacement.setBackpropGradientsViewArray(layer.getGradientsViewArray());
            }
        }
        setField(VERTEX_LAYER, vertex, replacement);
        Layer[] layers = graph.getLayers();
        for (int i = 0; i < layers.length; i++) {
            if (layers[i] == layer) {
                layers[i] = replacement;
            }
        }
    }

    private static boolean accelerable(GraphVertex vertex) {
        if (vertex.hasLayer() && vertex.getLayer().getClass() == BatchNormalization.class) {
            return batchNormRuns((BatchNormalization) vertex.getLayer());
        }
        if (vertex.hasLayer() && (vertex.getLayer().getClass() == SubsamplingLayer.class || vertex.getLayer() instanceof DnnlPooling)) {
            return DnnlPooling.handles((org.deeplearning4j.nn.conf.layers.SubsamplingLayer) vertex.getLayer().conf().getLayer())
                    && ((LayerVertex) vertex).getLayerPreProcessor() == null;
        }
        return vertex.hasLayer() && (vertex.getLayer().getClass() == ConvolutionLayer.class
                || vertex.getLayer() instanceof DnnlConvolutionLayer) && convolutionRuns((ConvolutionLayer) vertex.getLayer());
    }

    /** A batch norm ConvLab's oneDNN batch norm takes: NCHW float, gamma and beta trained. */
    private static boolean batchNormRuns(BatchNormalization layer) {
        var conf = (org.deeplearning4j.nn.conf.layers.BatchNormalization) layer.conf().getLayer();
        return conf.getCnn2DFormat() == CNN2DFormat.NCHW && !conf.isLockGammaBeta() && layer.getParam("gamma").dataType() == DataType.FLOAT;
    }

    /** A convolution ConvLab's oneDNN convolution takes: NCHW float, not causal. */
    private static boolean convolutionRuns(ConvolutionLayer layer) {
        var conf = layerConf(layer);
        return conf.getCnn2dDataFormat() == CNN2DFormat.NCHW && conf.getConvolutionMode() != ConvolutionMode.Causal
                && layer.getParam("W").dataType() == DataType.FLOAT;
    }

    private static org.deeplearning4j.nn.conf.layers.ConvolutionLayer layerConf(ConvolutionLayer layer) {
        return (org.deeplearning4j.nn.conf.layers.ConvolutionLayer) layer.conf().getLayer();
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

    /** How many training passes ConvLab's helper has normalised on {@code layer}; 0 where it does not run the layer. */
    public static long batchNormTrainingPasses(BatchNormalization layer) {
        return helperOf(layer) instanceof DnnlBatchNorm h ? h.trainingPasses() : 0;
    }

    /**
     * The examples {@code outputLayer} classified right and the examples it trained on since the last call, as
     * {@code {correct, examples}}, then reset; null where ConvLab's output layer does not run it.
     */
    public static long[] takeOutputCounts(Layer outputLayer) {
        return outputLayer instanceof DnnlOutputLayer o ? o.takeCounts() : null;
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
        return field(layerClass, "helper");
    }

    private static Field field(Class<?> owner, String name) {
        try {
            Field f = owner.getDeclaredField(name);
            f.setAccessible(true);
            return f;
        } catch (NoSuchFieldException e) {
            throw new IllegalStateException("DL4J's " + owner.getSimpleName() + " has no '" + name
                    + "' field; this DL4J version is not supported", e);
        }
    }
}
