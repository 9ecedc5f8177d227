package org.convlab.runtime;

import org.deeplearning4j.nn.api.FwdPassType;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * Reads chosen vertices' outputs, batch after batch, in the workspace DL4J's training pass keeps all
 * activations in, reused from one batch to the next. {@code feedForward} gives every layer's output
 * in fresh memory that only the garbage collector returns (ND4J 1.0.0-M2.1's {@code INDArray.close()}
 * does not free it), so a loop over batches keeps faulting in new pages: on the 2-core virtual
 * machines a page fault costs about 13 us (300 MB/s against 76 GB/s for pages reused), and the main
 * job's int8 calibration spent most of its 13 s there.
 *
 * <pre>{@code
 * try (LayerOutputs outputs = LayerOutputs.of(graph, List.of("conv2d_2", "dense_1"))) {
 *     for (INDArray batch : batches) {
 *         outputs.read(batch, (vertex, output) -> ranges.add(vertex, output.maxNumber()));  // valid inside only
 *     }
 * }
 * }</pre>
 */
public final class LayerOutputs implements AutoCloseable {
    private final Probe probe;
    private final List<String> vertices;

    private LayerOutputs(Probe probe, Collection<String> vertices) {
        for (String name : vertices) {
            if (probe.getVertex(name) == null) {
                throw new IllegalArgumentException("no vertex '" + name + "' in the graph; it has "
                        + probe.getConfiguration().getVertices().keySet());
            }
        }
        this.probe = probe;
        this.vertices = List.copyOf(vertices);
    }

    /**
     * A reader of {@code vertices}' outputs (layers, or the graph's input) on an inspectable copy of
     * {@code graph} (plain NCHW activations, as {@link Networks#inspectable}'s); {@code graph} is not changed.
     */
    public static LayerOutputs of(ComputationGraph graph, Collection<String> vertices) {
        return new LayerOutputs(Networks.probe(graph, Probe::new), vertices);
    }

    /**
     * Runs {@code batch} through the graph in inference mode and hands each chosen vertex's output
     * to {@code use}, in the order given. The arrays live until {@code use} returns: copy what must stay.
     */
    public void read(INDArray batch, BiConsumer<String, INDArray> use) {
        probe.forward(batch, activations -> vertices.forEach(name -> use.accept(name, activations.get(name))));
    }

    /**
     * Frees the workspace the activations lived in: this thread's (a reader belongs to the thread
     * that reads), which DL4J's {@code fit} on this thread makes again when it next needs one.
     */
    @Override
    public void close() {
        probe.releaseWorkspace();
    }

    /** DL4J's graph, for its (protected) forward pass that keeps every activation in one reusable workspace. */
    static final class Probe extends ComputationGraph {
        private static final long serialVersionUID = 1L;

        Probe(ComputationGraphConfiguration configuration) {
            super(configuration);
        }

        void forward(INDArray features, Consumer<Map<String, INDArray>> use) {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WS_ALL_LAYERS_ACT_CONFIG,
                    WS_ALL_LAYERS_ACT)) {
                use.accept(ffToLayerActivationsInWS(false, -1, null, FwdPassType.STANDARD, false,
                        new INDArray[] {features}, null, null, true));
            }
        }

        void releaseWorkspace() {
            if (Nd4j.getWorkspaceManager().checkIfWorkspaceExists(WS_ALL_LAYERS_ACT)) {
                Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(WS_ALL_LAYERS_ACT).destroyWorkspace(true);
            }
        }
    }
}
