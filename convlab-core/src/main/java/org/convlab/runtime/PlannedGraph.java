package org.convlab.runtime;

import org.convlab.runtime.dnnl.InferencePlan;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A frozen graph whose inference runs as one compiled chain of oneDNN primitives ({@link InferencePlan}) where the
 * chain compiles, and layer by layer through DL4J everywhere else (training mode, several inputs, a shape or layer
 * the chain does not take). Every other method is DL4J's. {@link org.convlab.runtime.Networks#frozen} makes them.
 */
public final class PlannedGraph extends ComputationGraph implements AutoCloseable {
    private InferencePlan plan;

    PlannedGraph(ComputationGraphConfiguration configuration) {
        super(configuration);
    }

    /** Compiles the chain (after the helpers are installed: the plan reads the same parameters). */
    void plan(boolean bf16, boolean directOnly, java.util.Map<String, org.convlab.runtime.dnnl.ActivationRange> int8Inputs) {
        plan = InferencePlan.of(this, bf16, directOnly, int8Inputs);
    }

    /** The compiled chain, or null where this graph runs layer by layer. */
    public InferencePlan plan() {
        return plan;
    }

    @Override
    public INDArray outputSingle(boolean train, boolean clearInputs, INDArray... input) {
        INDArray out = planned(train, input);
        return out != null ? out : super.outputSingle(train, clearInputs, input);
    }

    @Override
    public INDArray[] output(boolean train, INDArray... input) {
        INDArray out = planned(train, input);
        return out != null ? new INDArray[] {out} : super.output(train, input);
    }

    /** DL4J's own forward pass, layer by layer, for comparison with the plan (for checks). */
    INDArray layerByLayer(INDArray input) {
        return super.outputSingle(false, true, input);
    }

    private INDArray planned(boolean train, INDArray[] input) {
        return plan == null || train || input == null || input.length != 1 || input[0] == null ? null : plan.output(input[0]);
    }

    @Override
    public void close() {
        if (plan != null) {
            plan.close();
        }
        super.close();
    }
}
