package org.convlab.zoo;

import org.convlab.ConvLabException;
import org.convlab.runtime.Int8Calibration;
import org.convlab.runtime.Networks;
import org.convlab.runtime.Precision;
import org.deeplearning4j.nn.graph.ComputationGraph;

import java.nio.file.Path;

/** A model loaded from the registry: the network, its card, and the folder it came from. */
public record StoredModel(ComputationGraph graph, ModelCard card, Path dir) {

    /** {@code name:version}. */
    public String ref() {
        return card.name() + ":" + card.version();
    }

    /** The int8 calibration stored beside the model ({@value Int8Calibration#FILE}), or null when it has none. */
    public Int8Calibration calibration() {
        return Int8Calibration.readIfPresent(dir.resolve(Int8Calibration.FILE));
    }

    /** An inference-only copy in the process's default precision ({@link #frozen(Precision)}). */
    public ComputationGraph frozen() {
        return frozen(Precision.requested());
    }

    /**
     * An inference-only copy in {@code precision} (where the CPU has it; {@link Networks#frozen}); in int8
     * over the stored calibration, failing with the fix when the model has none.
     */
    public ComputationGraph frozen(Precision precision) {
        return frozen(graph, precision);
    }

    /**
     * As {@link #frozen(Precision)}, ending at {@code layer} ({@link Networks#truncated}): its output is that
     * layer's activations, for embeddings.
     */
    public ComputationGraph frozenUpTo(String layer, Precision precision) {
        return frozen(Networks.truncated(graph, layer), precision);
    }

    private ComputationGraph frozen(ComputationGraph network, Precision precision) {
        if (Precision.available(precision) != Precision.INT8) {
            return Networks.frozen(network, precision, null);
        }
        Int8Calibration calibration = calibration();
        if (calibration == null) {
            throw new ConvLabException("model " + ref() + " has no int8 calibration (" + Int8Calibration.FILE + " in "
                    + dir + "); measure one with convlab calibrate --model " + ref() + " --data DIR (its training images),"
                    + " or use --precision fp32 or bf16");
        }
        return Networks.frozen(network, precision, calibration);
    }
}
