package org.convlab.runtime.dnnl;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.memory.data_type;
import org.bytedeco.javacpp.FloatPointer;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A frozen graph's forward pass as one chain of oneDNN primitives, run without DL4J: no layer objects,
 * workspaces or per-layer arrays between the input and the probabilities. A single image through
 * fruits-cnn-bn at 28x28 spends most of its time in that bookkeeping otherwise (a few tens of
 * microseconds per layer, against 5-120 for the layer's own kernel).
 *
 * <p>What it compiles ({@link ChainStep}): convolutions (ReLU as a post-op; a batch norm that directly follows
 * a convolution without activation folded into its weights and bias, as PyTorch's frozen graphs and ONNX
 * Runtime fold it), batch norm with the running statistics, max and average pooling (global too), dropout
 * (nothing at inference), ReLU layers, dense layers and a softmax or linear output layer, in a single chain
 * from one input. A graph with any other vertex (a residual add, a concatenation), activation or layer
 * setting gets no plan ({@link #of} answers null) and runs layer by layer; an input shape for which a layer has
 * only oneDNN's slow reference kernel runs layer by layer too.
 *
 * <p>In bf16 the activations travel between layers in bf16 and the convolutions and dense layers multiply in
 * it, accumulating in float; the probabilities come out in float. In int8 the layers with a calibrated input
 * range multiply u8/s8 by s8 as the layer-by-layer path does ({@link Int8}: the same scales, so the same
 * integers), a convolution whose reader is another int8 layer (directly or through max pools) writes that
 * reader's input integers, its ReLU and batch norm applied first as post-ops; floats and integers meet through
 * reorders that scale.
 *
 * <p>Primitives and activation buffers are made per input shape, on its first call (the eight most recent
 * shapes are kept); the packed weights are shared between them. Not for concurrent callers of one plan (nor is a ComputationGraph):
 * calls are serialised.
 */
public final class InferencePlan implements AutoCloseable {
    /** Input shapes whose primitives are kept: a server's dynamic batches come in a handful of sizes. */
    private static final int KEPT_SHAPES = 8;

    private static final Logger LOG = LoggerFactory.getLogger(InferencePlan.class);

    private final List<ChainStep> steps;
    private final boolean bf16;
    private final boolean directOnly;
    private final Map<List<Long>, Compiled> compiled = new LinkedHashMap<>(16, 0.75f, true);
    /** Input shapes the chain does not compile for (a layer without a fast kernel, a size that does not fit). */
    private final Set<List<Long>> refused = new HashSet<>();
    private boolean closed;

    private InferencePlan(List<ChainStep> steps, boolean bf16, boolean directOnly) {
        this.steps = steps;
        this.bf16 = bf16;
        this.directOnly = directOnly;
    }

    /**
     * The plan of a frozen {@code graph}, or null where it has a vertex, layer or setting the plan does not
     * compile (it then runs as it is).
     *
     * @param bf16       whether to multiply in bfloat16 (the CPU must have AVX512_BF16)
     * @param directOnly whether every convolution runs oneDNN's direct algorithm
     */
    public static InferencePlan of(ComputationGraph graph, boolean bf16, boolean directOnly) {
        return of(graph, bf16, directOnly, Map.of());
    }

    /**
     * As {@link #of(ComputationGraph, boolean, boolean)}, the convolutions and hidden dense layers named in
     * {@code int8Inputs} multiplying 8-bit integers over those calibrated input ranges, as the layer-by-layer
     * path does (a layer without a fast int8 kernel runs in float).
     */
    public static InferencePlan of(ComputationGraph graph, boolean bf16, boolean directOnly,
                                   Map<String, ActivationRange> int8Inputs) {
        var conf = graph.getConfiguration();
        if (conf.getNetworkInputs().size() != 1 || conf.getNetworkOutputs().size() != 1) {
            return null;
        }
        List<String> order = new ArrayList<>();
        for (int index : graph.topologicalSortOrder()) {
            String name = graph.getVertices()[index].getVertexName();
            if (!conf.getNetworkInputs().contains(name)) {
                order.add(name);
            }
        }
        List<ChainStep> steps = new ArrayList<>();
        String previous = conf.getNetworkInputs().get(0);
        for (String name : order) {
            GraphVertex vertex = conf.getVertices().get(name);
            List<String> inputs = conf.getVertexInputs().get(name);
            if (inputs.size() != 1 || !inputs.get(0).equals(previous)) {
                LOG.debug("inference runs layer by layer: vertex '{}' reads {}, not the one before it alone", name, inputs);
                return null;
            }
            boolean compiles = vertex instanceof LayerVertex lv ? ChainStep.add(steps, lv, graph.getLayer(name).paramTable(), int8Inputs)
                    : vertex instanceof PreprocessorVertex pv && ChainStep.flattens(pv.getPreProcessor());
            if (!compiles) {
                LOG.debug("inference runs layer by layer: vertex '{}' ({}) is not a step the plan compiles", name,
                        vertex instanceof LayerVertex lv ? lv.getLayerConf().getLayer() : vertex.getClass().getSimpleName());
                return null;
            }
            previous = name;
        }
        if (!previous.equals(conf.getNetworkOutputs().get(0)) || steps.isEmpty()) {
            return null;
        }
        List<ChainStep> fused = ChainStep.fused(steps);
        // A network cut after a hidden dense layer (an embedding) ends there: that layer writes the float output.
        if (fused.get(fused.size() - 1) instanceof ChainStep.Dense last) {
            fused.set(fused.size() - 1, last.asOutput());
        }
        if (!fused.get(fused.size() - 1).isOutput()) {
            return null;
        }
        return new InferencePlan(fused, bf16, directOnly);
    }

    /** The steps, e.g. "conv2d+relu, batch_norm, max_pool, ...", for checks and logs. */
    public String describe() {
        return String.join(", ", steps.stream().map(ChainStep::toString).toList());
    }

    /** The oneDNN implementation each convolution layer ran on, over the shapes compiled so far (for checks). */
    public synchronized Map<String, Set<String>> implementations() {
        Map<String, Set<String>> used = new java.util.TreeMap<>();
        for (Compiled c : compiled.values()) {
            for (ChainStep.Stage s : c.stages) {
                if (s.layer() != null) {
                    used.computeIfAbsent(s.layer(), k -> new java.util.TreeSet<>()).add(s.implementation());
                }
            }
        }
        return used;
    }

    /**
     * The network's output (probabilities of a softmax head) for a batch of NCHW float images, or null where the
     * chain does not compile for images of this shape (the caller runs the graph layer by layer, which explains).
     */
    public synchronized INDArray output(INDArray images) {
        if (closed) {
            throw new IllegalStateException("this inference plan is closed");
        }
        if (images.rank() != 4 || images.dataType() != DataType.FLOAT) {
            return null;
        }
        List<Long> shape = Arrays.stream(images.shape()).boxed().toList();
        if (refused.contains(shape)) {
            return null;
        }
        Compiled c = compiled.get(shape);
        if (c == null) {
            try {
                c = compiledFor(images.shape());
            } catch (RuntimeException notCompiled) {
                // A layer oneDNN has no fast kernel for here, or a size it refuses: layer by layer instead.
                refused.add(shape);
                return null;
            }
        }
        return c.run(Dnnl.readable(images));
    }

    private Compiled compiledFor(long[] shape) {
        Compiled c = new Compiled(shape);
        compiled.put(Arrays.stream(shape).boxed().toList(), c);
        if (compiled.size() > KEPT_SHAPES) {
            var eldest = compiled.entrySet().iterator();
            eldest.next().getValue().close();
            eldest.remove();
        }
        return c;
    }

    /** Frees the primitives, buffers and packed weights; a later call fails. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            compiled.values().forEach(Compiled::close);
            compiled.clear();
            steps.forEach(ChainStep::close);
        }
    }

    /** The primitives for one batch size, their activations in two ping-pong buffers. */
    private final class Compiled {
        private final List<ChainStep.Stage> stages = new ArrayList<>();
        private memory[] buffers;
        private final memory input;
        private final memory output;
        private final long classes;
        private final boolean softmax;

        Compiled(long[] dims) {
            input = Dnnl.unbound(Dnnl.plain(dims, memory.format_tag.nchw));
            ChainStep.Cursor cursor = new ChainStep.Cursor(input, bf16 ? data_type.bf16 : data_type.f32, directOnly);
            try {
                for (ChainStep step : steps) {
                    stages.addAll(step.build(cursor));
                }
            } catch (RuntimeException e) {
                close();
                throw e;
            }
            long biggest = 64;
            for (ChainStep.Stage s : stages) {
                biggest = Math.max(biggest, s.dst().get_desc().get_size());
            }
            buffers = new memory[] {bytes(biggest), bytes(biggest)};
            ChainStep.Stage.bind(stages, input, buffers);
            output = cursor.current;
            classes = Dnnl.dims(output.get_desc())[1];
            softmax = steps.get(steps.size() - 1).softmaxOutput();
        }

        private memory bytes(long size) {
            return new memory(Dnnl.of(new long[] {size}, data_type.u8, memory.format_tag.a), Dnnl.engine());
        }

        INDArray run(INDArray x) {
            input.set_data_handle(Dnnl.address(x));
            var stream = Dnnl.stream();
            for (ChainStep.Stage s : stages) {
                if (s.primitive() != null) {
                    s.primitive().execute(stream, s.args());
                }
            }
            stream._wait();
            long batch = x.size(0);
            float[] values = new float[(int) (batch * classes)];
            new FloatPointer(output.get_data_handle()).get(values);
            if (softmax) {
                softmaxRows(values, (int) classes);
            }
            return Nd4j.create(values, new long[] {batch, classes}, 'c');
        }

        void close() {
            for (ChainStep.Stage s : stages) {
                if (s.primitive() != null) {
                    s.primitive().close();
                    s.args().close();
                }
                s.dst().close();
            }
            input.close();
            if (buffers != null) {
                buffers[0].close();
                buffers[1].close();
            }
        }
    }

    /** Softmax of each row in place, in double, the largest subtracted first. */
    private static void softmaxRows(float[] values, int width) {
        for (int row = 0; row < values.length; row += width) {
            float max = Float.NEGATIVE_INFINITY;
            for (int i = row; i < row + width; i++) {
                max = Math.max(max, values[i]);
            }
            double sum = 0;
            for (int i = row; i < row + width; i++) {
                sum += Math.exp(values[i] - max);
            }
            for (int i = row; i < row + width; i++) {
                values[i] = (float) (Math.exp(values[i] - max) / sum);
            }
        }
    }
}
