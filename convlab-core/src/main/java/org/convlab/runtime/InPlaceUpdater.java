package org.convlab.runtime;

import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/**
 * DL4J's graph updater (Adam and the rest, unchanged), shown that the gradient it is handed is the
 * graph's own.
 *
 * <p>Why: in DL4J 1.0.0-M2.1 {@code DefaultGradient.gradient()} returns a new reshaped view on every
 * call, and {@code BaseMultiLayerUpdater.update} tells the graph's own gradient from an external one
 * by identity, so it always takes the external path: per step, for every updater block and every
 * parameter, fresh views of the whole gradient and parameter arrays (reshape, then interval). Each is
 * a native buffer record with a reference for ND4J's deallocator, hundreds per step; they outlive the
 * step until a collection finds them, so every young collection copied them (fruits-cnn-bn, batch 64:
 * 130-200 MB survived each, pauses of 230-730 ms every 15-20 s). Handed the view it holds, the
 * updater takes its in-place path over views it made once. Both paths address the same memory, so
 * the numbers do not change; a gradient in other memory (an external one) passes through as it came.
 *
 * <pre>{@code
 * InPlaceUpdater.install(graph, true);   // Networks does this on every road a graph takes
 * graph.fit(batch);
 * }</pre>
 */
final class InPlaceUpdater extends ComputationGraphUpdater {
    private InPlaceUpdater(ComputationGraph graph, INDArray state) {
        super(graph, state);
    }

    /**
     * Puts an in-place updater in place of the graph's own, keeping its state (Adam's moments). A
     * graph without one yet gets one only when {@code create}: the updater holds optimizer state the
     * size of the parameters, which a graph only for inference should not carry.
     */
    static void install(ComputationGraph graph, boolean create) {
        ComputationGraphUpdater current = graph.getUpdater(false);
        if (current instanceof InPlaceUpdater || (current == null && !create)) {
            return;
        }
        graph.setUpdater(new InPlaceUpdater(graph, current == null ? null : current.getStateViewArray()));
    }

    @Override
    public synchronized void update(Gradient gradient, int iteration, int epoch, int batchSize, LayerWorkspaceMgr workspaceMgr) {
        INDArray own = getFlattenedGradientsView();
        Gradient handed = sameMemory(gradient.gradient(), own) ? new OwnView(gradient, own) : gradient;
        super.update(handed, iteration, epoch, batchSize, workspaceMgr);
    }

    /**
     * Whether two arrays are the same elements: one first address, offset, length and type, both
     * dense (a reshape of an array has a buffer object of its own over the same memory).
     */
    static boolean sameMemory(INDArray a, INDArray b) {
        return a != null && b != null && a.dataType() == b.dataType() && a.length() == b.length() && a.offset() == b.offset()
                && a.elementWiseStride() == 1 && b.elementWiseStride() == 1
                && a.data().addressPointer().address() == b.data().addressPointer().address();
    }

    /** A gradient whose flat array is the updater's own view object; all else is the original's. */
    private record OwnView(Gradient original, INDArray view) implements Gradient {
        @Override
        public INDArray gradient() {
            return view;
        }

        @Override
        public Map<String, INDArray> gradientForVariable() {
            return original.gradientForVariable();
        }

        @Override
        public INDArray gradient(List<String> order) {
            return original.gradient(order);
        }

        @Override
        public void clear() {
            original.clear();
        }

        @Override
        public INDArray getGradientFor(String variable) {
            return original.getGradientFor(variable);
        }

        @Override
        public INDArray setGradientFor(String variable, INDArray gradient) {
            return original.setGradientFor(variable, gradient);
        }

        @Override
        public INDArray setGradientFor(String variable, INDArray gradient, Character flatteningOrder) {
            return original.setGradientFor(variable, gradient, flatteningOrder);
        }

        @Override
        public Character flatteningOrderForVariable(String variable) {
            return original.flatteningOrderForVariable(variable);
        }
    }
}
