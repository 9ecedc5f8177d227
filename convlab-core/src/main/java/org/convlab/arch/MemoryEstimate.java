package org.convlab.arch;

/**
 * How much memory a network of a spec takes, worked out from the spec alone (nothing allocated):
 * its parameters and the values its layers produce per example.
 */
public final class MemoryEstimate {
    /**
     * Bytes per parameter once a graph is initialised for training: float weights, their gradient,
     * and Adam's two moments.
     */
    public static final int BYTES_PER_PARAMETER = 16;
    /** Bytes per activation value in a training step: the value, its gradient and DL4J's forward cache. */
    public static final int BYTES_PER_ACTIVATION = 12;

    private MemoryEstimate() {
    }

    public static long parameters(ArchitectureSpec spec) {
        long total = 0;
        for (ShapeInference.Node node : ShapeInference.nodes(spec)) {
            total += node.layer().params(node.firstIn());
        }
        return total;
    }

    /** Values all layers produce for one example, the input included. */
    public static long activationsPerExample(ArchitectureSpec spec) {
        long total = input(spec).size();
        for (LayerShape s : ShapeInference.outputShapes(spec)) {
            total += s.size();
        }
        return total;
    }

    /** Bytes to build the graph: parameters with their gradients and optimizer state. */
    public static long toBuild(ArchitectureSpec spec) {
        return parameters(spec) * BYTES_PER_PARAMETER;
    }

    /** Bytes to train it at {@code batch}: building plus a step's activations and their gradients. */
    public static long toTrain(ArchitectureSpec spec, int batch) {
        return toBuild(spec) + (long) batch * activationsPerExample(spec) * BYTES_PER_ACTIVATION;
    }

    private static LayerShape input(ArchitectureSpec spec) {
        InputShape in = spec.input();
        return LayerShape.spatial(in.height(), in.width(), in.channels());
    }
}
