package org.convlab.runtime;

import org.convlab.ConvLabException;
import org.convlab.runtime.dnnl.ActivationRange;
import org.convlab.runtime.dnnl.DnnlHelpers;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;

/**
 * The one door to a runnable network. Every graph ConvLab hands out, built, loaded, copied,
 * imported or deserialized elsewhere, comes through here, which sets up the native libraries and
 * gives the graph the helpers of the process's {@link ConvEngine} in its {@link Precision} and an
 * optimizer step that updates in place ({@link InPlaceUpdater}). DL4J makes new layer objects each
 * time, so a graph that skipped this door would silently run on slower code.
 *
 * <p>The helper policy belongs to each graph: its own layers get their own helpers. The one
 * process-wide switch, libnd4j's "platform helpers", follows the engine alone (off with ConvLab's
 * helpers: the layers they would still serve, pooling above all, are faster on libnd4j's own
 * loops), so loading one model never changes how another runs.
 *
 * <pre>{@code
 * ComputationGraph net = Networks.create(configuration);            // new, initialised
 * ComputationGraph stored = Networks.restore(Path.of("model.zip"), false);
 * ComputationGraph replica = Networks.copy(stored);                  // for a second thread
 * ComputationGraph probe = Networks.inspectable(stored);            // inner activations readable
 * ComputationGraph served = Networks.frozen(stored);                // inference only, weights packed once
 * ComputationGraph int8 = Networks.frozen(stored, calibration);     // int8 where Precision.INT8 is active
 * }</pre>
 */
public final class Networks {
    private Networks() {
    }

    /** A new graph from a configuration, parameters initialised. */
    public static ComputationGraph create(ComputationGraphConfiguration configuration) {
        NativeSetup.init();
        ComputationGraph graph = new ComputationGraph(configuration);
        graph.init();
        InPlaceUpdater.install(graph, true);
        return install(graph, true);
    }

    /** A graph stored by DL4J's {@link ModelSerializer}, with its optimizer state when {@code withUpdater}. */
    public static ComputationGraph restore(Path file, boolean withUpdater) throws IOException {
        NativeSetup.init();
        return install(ModelSerializer.restoreComputationGraph(file.toFile(), withUpdater), true);
    }

    /** As {@link #restore(Path, boolean)}, from a stream (a Spark executor, an HTTP upload). */
    public static ComputationGraph restore(InputStream in, boolean withUpdater) throws IOException {
        NativeSetup.init();
        return install(ModelSerializer.restoreComputationGraph(in, withUpdater), true);
    }

    /**
     * An independent copy (DL4J networks are not thread-safe: one copy per thread), with the
     * iteration and epoch counters kept, which {@code clone()} resets and a schedule needs.
     */
    public static ComputationGraph copy(ComputationGraph graph) {
        return install(counted(graph.clone(), graph), true);
    }

    /**
     * A copy whose every layer keeps its activations in plain NCHW order, for reading inner
     * layers ({@code feedForward}); the original is left as it was.
     */
    public static ComputationGraph inspectable(ComputationGraph graph) {
        return install(counted(graph.clone(), graph), false);
    }

    /**
     * An inspectable copy made as {@code make}'s subclass of DL4J's graph (for its protected
     * methods: {@link LayerOutputs}), the parameters copied, helpers installed as {@link #inspectable}'s.
     */
    static <G extends ComputationGraph> G probe(ComputationGraph graph, Function<ComputationGraphConfiguration, G> make) {
        NativeSetup.init();
        return install(rebuilt(graph, make), false);
    }

    /**
     * An inference-only copy whose weights are constants: ConvLab's kernels reorder them into
     * their own layouts (and to bf16 in bf16 precision) once, not on every call, and its dense
     * layers run on oneDNN, the way {@code torch.jit.freeze} prepacks a model's weights. Training
     * it is refused; its parameters must not be changed in place (that would go unnoticed), so it
     * suits callers that hold it privately, as {@code Classifier} and the server do. In int8 precision
     * it needs the ranges of {@link #frozen(ComputationGraph, Int8Calibration)}. A graph that is one chain
     * of convolutions, batch norm, pooling and dense layers answers {@code output} and {@code outputSingle}
     * through one compiled chain of oneDNN primitives, batch norm folded into a convolution without
     * activation before it or applied as that convolution's post-ops after its ReLU
     * ({@link org.convlab.runtime.dnnl.InferencePlan}); any other graph, and training mode, runs layer by layer.
     */
    public static ComputationGraph frozen(ComputationGraph graph) {
        return frozen(graph, null);
    }

    /**
     * As {@link #frozen(ComputationGraph)}; where {@link Precision#INT8} is active, its convolution
     * and hidden dense layers multiply 8-bit integers over {@code calibration}'s input ranges
     * (ignored in fp32 and bf16).
     */
    public static ComputationGraph frozen(ComputationGraph graph, Int8Calibration calibration) {
        return frozen(graph, Precision.requested(), calibration);
    }

    /**
     * As {@link #frozen(ComputationGraph, Int8Calibration)}, in {@code requested} precision (where the CPU has
     * it, {@link Precision#available}) rather than the process's default: copies of one graph in several
     * precisions live side by side.
     */
    public static ComputationGraph frozen(ComputationGraph graph, Precision requested, Int8Calibration calibration) {
        Precision precision = Precision.available(requested);
        if (precision == Precision.INT8 && calibration == null) {
            throw new ConvLabException("int8 inference needs the range of each layer's input: measure them with"
                    + " Int8Calibration.measure (convlab calibrate), or run in fp32 or bf16");
        }
        PlannedGraph copy = rebuilt(graph, PlannedGraph::new);
        if (ConvEngine.active() == ConvEngine.DNNL) {
            boolean directOnly = ConvAlgorithm.requested() == ConvAlgorithm.DIRECT;
            // Int8 layers write float: oneDNN 2.5's fast int8 kernels do not write bf16 (its gemm fallback does, 30x slower).
            DnnlHelpers.install(copy, true, precision == Precision.BF16, true,
                    precision == Precision.INT8 ? int8Inputs(calibration) : Map.of(), directOnly);
            copy.plan(precision == Precision.BF16, directOnly, precision == Precision.INT8 ? int8Inputs(calibration) : Map.of());
        }
        return switchPlatformHelpers(copy);
    }

    /** The calibration's ranges as the int8 layers take them. */
    private static Map<String, ActivationRange> int8Inputs(Int8Calibration calibration) {
        Map<String, ActivationRange> ranges = new java.util.TreeMap<>();
        calibration.inputs().forEach((layer, r) -> ranges.put(layer, new ActivationRange(r.min(), r.max())));
        return ranges;
    }

    /**
     * A copy in which every layer that fine-tuning froze (DL4J's {@code FrozenLayer} and
     * {@code FrozenLayerWithBackprop}, as {@code TransferLearning.GraphBuilder.setFeatureExtractor} makes them) is
     * its own layer again, with the same parameters: what a fine-tuned model is stored, served and tuned further as.
     */
    public static ComputationGraph thawed(ComputationGraph graph) {
        ComputationGraphConfiguration configuration = graph.getConfiguration().clone();
        for (org.deeplearning4j.nn.conf.graph.GraphVertex vertex : configuration.getVertices().values()) {
            if (vertex instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv) {
                org.deeplearning4j.nn.conf.layers.Layer layer = lv.getLayerConf().getLayer();
                if (layer instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayer frozen) {
                    lv.getLayerConf().setLayer(frozen.getLayer());
                } else if (layer instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop frozen) {
                    lv.getLayerConf().setLayer(frozen.getUnderlying());
                }
            }
        }
        NativeSetup.init();
        ComputationGraph copy = new ComputationGraph(configuration);
        copy.init(graph.params(), true);
        return install(counted(copy, graph), true);
    }

    /**
     * A copy that ends at {@code layer}: its output is that layer's activations, every layer after it (the head
     * among them) left out, the parameters of the rest the same. What embeddings are read from; freeze it
     * ({@link #frozen}) to run it.
     */
    public static ComputationGraph truncated(ComputationGraph graph, String layer) {
        ComputationGraphConfiguration configuration = graph.getConfiguration().clone();
        if (!configuration.getVertices().containsKey(layer)) {
            throw new ConvLabException("the model has no layer '" + layer + "'; its layers: "
                    + String.join(", ", configuration.getVertices().keySet()));
        }
        java.util.Set<String> kept = Upstream.of(configuration, layer);
        configuration.getVertices().keySet().retainAll(kept);
        configuration.getVertexInputs().keySet().retainAll(kept);
        configuration.setNetworkOutputs(new java.util.ArrayList<>(java.util.List.of(layer)));
        configuration.setTopologicalOrder(null); // cached for the whole graph; recomputed for the rest
        configuration.setTopologicalOrderStr(null);
        NativeSetup.init();
        ComputationGraph copy = new ComputationGraph(configuration);
        copy.init();
        for (String name : kept) {
            if (copy.getVertex(name).hasLayer() && copy.getLayer(name).numParams() > 0) {
                copy.getLayer(name).setParams(graph.getLayer(name).params());
            }
        }
        return install(counted(copy, graph), true);
    }

    /** A graph made outside ConvLab (Keras import, deserialized by Spark), made ready to run here. */
    public static ComputationGraph adopt(ComputationGraph graph) {
        NativeSetup.init();
        return install(graph, true);
    }

    /** A new graph of {@code make}'s class from the configuration and the parameters alone: no optimizer state or gradients to copy. */
    private static <G extends ComputationGraph> G rebuilt(ComputationGraph graph, Function<ComputationGraphConfiguration, G> make) {
        G copy = make.apply(graph.getConfiguration().clone());
        copy.init(graph.params(), true);
        return counted(copy, graph);
    }

    private static <G extends ComputationGraph> G counted(G copy, ComputationGraph original) {
        copy.getConfiguration().setIterationCount(original.getIterationCount());
        copy.getConfiguration().setEpochCount(original.getEpochCount());
        return copy;
    }

    /**
     * Graphs that train or are inspected run int8 requests in fp32: int8 is for frozen graphs. A graph
     * with an optimizer gets the {@link InPlaceUpdater} in its place.
     */
    private static <G extends ComputationGraph> G install(G graph, boolean linkedLayouts) {
        InPlaceUpdater.install(graph, false);
        if (ConvEngine.active() == ConvEngine.DNNL) {
            DnnlHelpers.install(graph, linkedLayouts, Precision.active() == Precision.BF16, false, Map.of(),
                    ConvAlgorithm.requested() == ConvAlgorithm.DIRECT);
        }
        return switchPlatformHelpers(graph);
    }

    private static <G extends ComputationGraph> G switchPlatformHelpers(G graph) {
        boolean ours = ConvEngine.active() == ConvEngine.DNNL;
        if (NativeSetup.backend() == Backend.CPU && Nd4j.getEnvironment().helpersAllowed() == ours) {
            Nd4j.getEnvironment().allowHelpers(!ours);
        }
        return graph;
    }
}
