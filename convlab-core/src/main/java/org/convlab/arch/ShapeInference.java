package org.convlab.arch;


import org.convlab.ConvLabException;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks a spec layer by layer and works out each layer's output shape (each layer kind knows
 * its own rule: {@link LayerSpec#outputShape}), so that a bad spec fails before DL4J sees it,
 * with a message that names the layer and the problem ("expected X, received Y"). It also wires
 * the graph: each layer reads the layers its {@code inputs} name, or the one listed before it.
 */
public final class ShapeInference {
    private ShapeInference() {
    }

    /**
     * One layer in its place in the graph.
     *
     * @param inputs the names of the layers it reads ({@link GraphBuilder#INPUT_NAME} for the image)
     * @param in     their output shapes, in the same order
     * @param out    its own output shape
     */
    public record Node(LayerSpec layer, List<String> inputs, List<LayerShape> in, LayerShape out) {
        /** The shape of its (first) input: the one a layer that reads one input sees. */
        public LayerShape firstIn() {
            return in.get(0);
        }
    }

    /** The output shape of every layer, in order; throws {@link ConvLabException} on the first problem. */
    public static List<LayerShape> outputShapes(ArchitectureSpec spec) {
        return nodes(spec).stream().map(Node::out).toList();
    }

    /**
     * Every layer with its inputs and shapes, in the spec's order. Inputs must name layers listed
     * earlier (so the graph has no cycle), and every layer but the last must be read by a later one.
     */
    public static List<Node> nodes(ArchitectureSpec spec) {
        InputShape input = spec.input();
        Map<String, LayerShape> shapes = new LinkedHashMap<>();
        shapes.put(GraphBuilder.INPUT_NAME, LayerShape.spatial(input.height(), input.width(), input.channels()));
        Set<String> read = new HashSet<>();
        List<Node> nodes = new ArrayList<>();
        String previous = GraphBuilder.INPUT_NAME;
        for (LayerSpec layer : spec.layers()) {
            List<String> inputs = layer.inputs() == null ? List.of(previous) : layer.inputs();
            if (inputs.isEmpty()) {
                throw ShapeRules.problem(layer, "\"inputs\" is empty; name the layers it reads, or leave it out to read '" + previous + "'");
            }
            List<LayerShape> in = new ArrayList<>();
            for (String name : inputs) {
                LayerShape shape = shapes.get(name);
                if (shape == null) {
                    throw ShapeRules.problem(layer, "input '" + name + "' is not a layer listed before it; inputs name earlier layers or "
                            + GraphBuilder.INPUT_NAME);
                }
                in.add(shape);
            }
            LayerShape out = layer.outputShape(in);
            if (out.size() > Integer.MAX_VALUE) {
                throw ShapeRules.problem(layer, "its output " + out.toKeras() + " holds " + String.format("%,d", out.size())
                        + " values per example, more than DL4J can index (" + String.format("%,d", Integer.MAX_VALUE)
                        + "); use fewer filters or more pooling before it");
            }
            read.addAll(inputs);
            shapes.put(layer.name(), out);
            nodes.add(new Node(layer, inputs, List.copyOf(in), out));
            previous = layer.name();
        }
        spec.outputLayer();
        for (Node node : nodes.subList(0, nodes.size() - 1)) {
            if (!read.contains(node.layer().name())) {
                throw ShapeRules.problem(node.layer(), "no later layer reads it, so it cannot reach the classifier; remove it or name it in a"
                        + " later layer's \"inputs\"");
            }
        }
        return nodes;
    }
}
