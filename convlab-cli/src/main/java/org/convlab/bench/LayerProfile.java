package org.convlab.bench;

import org.convlab.arch.ArchitectureSpec;
import org.convlab.arch.FlopCount;
import org.convlab.arch.GraphBuilder;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.layers.IOutputLayer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.graph.vertex.impl.LayerVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where a training step's time goes: each layer's forward and backward pass timed on its own (its
 * input taken from a full forward pass), next to the whole {@code fit} step, so the rest (Adam's
 * update, DL4J's bookkeeping) shows as the difference. FLOPs per layer come from the spec
 * ({@link FlopCount#perLayer}), so each row also says how close the layer runs to the machine.
 *
 * <p>Example: {@code LayerProfile.run(Architectures.get("fruits-cnn"), 32, 5).rows()}.
 */
public final class LayerProfile {
    /** One layer: median milliseconds per batch forward and backward, and its FLOPs per batch (forward). */
    public record Row(String layer, String type, double forwardMs, double backwardMs, long forwardFlops) {
        /** Forward plus backward, where backward costs two forward passes' FLOPs. */
        public double gflops() {
            return 3.0 * forwardFlops / ((forwardMs + backwardMs) / 1e3) / 1e9;
        }
    }

    /** The rows, the median whole {@code fit} step in milliseconds, and the batch. */
    public record Result(List<Row> rows, double stepMs, int batch) {
        public double layersMs() {
            return rows.stream().mapToDouble(r -> r.forwardMs() + r.backwardMs()).sum();
        }
    }

    private static final String WORKSPACE = "CONVLAB_LAYER_PROFILE";

    private LayerProfile() {
    }

    public static Result run(ArchitectureSpec spec, int batch, int repeats) {
        return run(GraphBuilder.of(spec), batch, repeats);
    }

    /** The same on a graph configured by {@code builder} (data format, workspace mode). */
    public static Result run(GraphBuilder builder, int batch, int repeats) {
        ArchitectureSpec spec = builder.spec();
        ComputationGraph graph = builder.optSeed(1).build();
        DataSet ds = Benchmark.randomBatch(spec, batch, builder.dataFormat());
        INDArray x = ds.getFeatures();
        INDArray y = ds.getLabels();
        double[] steps = new double[repeats];
        for (int i = -2; i < repeats; i++) {
            long t = System.nanoTime();
            graph.fit(ds);
            if (i >= 0) {
                steps[i] = (System.nanoTime() - t) / 1e6;
            }
        }

        Map<String, INDArray> activations = graph.feedForward(new INDArray[]{x}, true, false);
        Map<String, Long> flops = FlopCount.perLayer(spec);
        // One workspace for every array type, as DL4J's fit uses: after the first pass its memory
        // is reused, so the timings hold no allocation that a training step would not pay.
        WorkspaceConfiguration wsConf = WorkspaceConfiguration.builder().initialSize(0).overallocationLimit(0.2)
                .policyLearning(LearningPolicy.FIRST_LOOP).policyAllocation(AllocationPolicy.OVERALLOCATE)
                .policySpill(SpillPolicy.REALLOCATE).build();
        LayerWorkspaceMgr.Builder mgrBuilder = LayerWorkspaceMgr.builder();
        for (ArrayType type : ArrayType.values()) {
            mgrBuilder.with(type, WORKSPACE, wsConf);
        }
        LayerWorkspaceMgr mgr = mgrBuilder.build();
        List<Row> rows = new ArrayList<>();
        for (int index : graph.topologicalSortOrder()) {
            GraphVertex vertex = graph.getVertices()[index];
            if (!vertex.hasLayer()) {
                continue;
            }
            String input = graph.getVertices()[vertex.getInputVertices()[0].getVertexIndex()].getVertexName();
            INDArray layerInput = activations.get(input);
            InputPreProcessor pre = ((LayerVertex) vertex).getLayerPreProcessor();
            if (pre != null) {
                layerInput = pre.preProcess(layerInput, batch, mgr);
            }
            Layer layer = vertex.getLayer();
            double[] forward = new double[repeats];
            double[] backward = new double[repeats];
            for (int i = -2; i < repeats; i++) {
                try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(wsConf, WORKSPACE)) {
                    layer.setInput(layerInput, mgr);
                    long t0 = System.nanoTime();
                    INDArray out = layer.activate(true, mgr);
                    long t1 = System.nanoTime();
                    INDArray epsilon = null;
                    if (layer instanceof IOutputLayer output) {
                        output.setLabels(y);
                    } else {
                        epsilon = Nd4j.randn(DataType.FLOAT, out.shape());
                    }
                    long t2 = System.nanoTime();
                    layer.backpropGradient(epsilon, mgr);
                    long t3 = System.nanoTime();
                    if (i >= 0) {
                        forward[i] = (t1 - t0) / 1e6;
                        backward[i] = (t3 - t2) / 1e6;
                    }
                }
                layer.clear();
            }
            String name = vertex.getVertexName();
            String base = name.endsWith(GraphBuilder.SUM_POOL_WINDOW_SUFFIX)
                    ? name.substring(0, name.length() - GraphBuilder.SUM_POOL_WINDOW_SUFFIX.length()) : name;
            rows.add(new Row(name, layer.conf().getLayer().getClass().getSimpleName(), Benchmark.median(forward), Benchmark.median(backward),
                    flops.getOrDefault(base, 0L) * batch));
        }
        return new Result(rows, Benchmark.median(steps), batch);
    }
}
