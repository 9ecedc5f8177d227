package org.convlab.arch;

import org.convlab.ConvLabException;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Specs that are graphs: layers that name their inputs, residual adds and concatenations. */
public class GraphSpecTest {
    /** A residual block with a projection shortcut, a concatenation and global average pooling on 8x8x3. */
    public static final String RESIDUAL = """
            {"name": "residual", "input": {"height": 8, "width": 8, "channels": 3}, "layers": [
              {"type": "conv2d", "name": "stem", "filters": 4, "kernel": 3, "padding": "same"},
              {"type": "conv2d", "name": "branch", "filters": 6, "kernel": 3, "stride": 2, "padding": "same", "activation": "relu"},
              {"type": "batch_norm", "name": "branch_bn"},
              {"type": "conv2d", "name": "shortcut", "filters": 6, "kernel": 1, "stride": 2, "inputs": ["stem"]},
              {"type": "add", "name": "sum", "inputs": ["branch_bn", "shortcut"]},
              {"type": "activation", "name": "sum_relu", "activation": "relu"},
              {"type": "concat", "name": "both", "inputs": ["sum_relu", "shortcut"]},
              {"type": "global_avg_pool", "name": "pool"},
              {"type": "dense", "name": "out", "units": 3, "activation": "softmax"}]}
            """;

    private static ArchitectureSpec residual() {
        return SpecJson.read(RESIDUAL, "residual.json");
    }

    private static String failure(String layers) {
        String json = "{\"name\": \"bad\", \"input\": {\"height\": 8, \"width\": 8, \"channels\": 2}, \"layers\": [" + layers + "]}";
        return assertThrows(ConvLabException.class, () -> ShapeInference.nodes(SpecJson.read(json, "bad.json"))).getMessage();
    }

    @Test
    void shapesAndParametersFollowEachLayersInputs() {
        List<ShapeInference.Node> nodes = ShapeInference.nodes(residual());
        // Worked out by hand: 'same' convolutions keep 8x8, stride 2 gives 4x4; the add keeps
        // (4, 4, 6), the concat stacks 6 + 6 channels, the pooling leaves one value per channel.
        List<String> shapes = nodes.stream().map(n -> n.out().toKeras()).toList();
        assertEquals(List.of("(None, 8, 8, 4)", "(None, 4, 4, 6)", "(None, 4, 4, 6)", "(None, 4, 4, 6)", "(None, 4, 4, 6)",
                "(None, 4, 4, 6)", "(None, 4, 4, 12)", "(None, 12)", "(None, 3)"), shapes);
        assertEquals(List.of("stem"), nodes.get(3).inputs());
        assertEquals(List.of("branch_bn", "shortcut"), nodes.get(4).inputs());
        assertEquals(List.of("sum"), nodes.get(5).inputs(), "no inputs: the layer listed before it");
        // stem 3*3*3*4+4 = 112, branch 3*3*4*6+6 = 222, batch norm 4*6 = 24, shortcut 1*1*4*6+6 = 30, dense 12*3+3 = 39.
        long params = 112 + 222 + 24 + 30 + 39;
        assertEquals(params, MemoryEstimate.parameters(residual()));
        assertEquals(params, GraphBuilder.of(residual()).build().numParams());
    }

    @Test
    void theGraphAddsAndConcatenatesWhatItsInputsHold() {
        ComputationGraph net = GraphBuilder.of(residual()).optSeed(7).build();
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 8, 8);
        Map<String, INDArray> a = net.feedForward(new INDArray[] {x}, false, false);
        assertEquals(a.get("branch_bn").add(a.get("shortcut")), a.get("sum"));
        INDArray both = a.get("both");
        assertEquals(a.get("sum_relu"), both.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 6)).dup());
        assertEquals(a.get("shortcut"), both.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(6, 12)).dup());
        assertEquals(both.mean(2, 3), a.get("pool"));
        assertEquals(1.0, net.outputSingle(x).sum(1).getDouble(0), 1e-5);
    }

    @Test
    void aGraphSpecRoundTripsThroughJsonAndAChainWritesNoInputs() {
        ArchitectureSpec spec = residual();
        String json = SpecJson.write(spec);
        assertEquals(spec, SpecJson.read(json, "again"));
        assertTrue(json.contains("\"inputs\" : [ \"branch_bn\", \"shortcut\" ]") || json.contains("\"inputs\":[\"branch_bn\",\"shortcut\"]"), json);
        assertFalse(SpecJson.write(Architectures.get("fruits-cnn")).contains("inputs"));
    }

    @Test
    void badWiringIsRefusedNamingTheLayer() {
        assertEquals("layer 'a' (add): expected inputs of one shape, received (None, 8, 8, 3) from 'c1' and (None, 8, 8, 2) from"
                        + " 'input_1'; give the shortcut a 1x1 convolution with the same filters and stride",
                failure("{\"type\": \"conv2d\", \"name\": \"c1\", \"filters\": 3, \"kernel\": 1},"
                        + "{\"type\": \"add\", \"name\": \"a\", \"inputs\": [\"c1\", \"input_1\"]}, {\"type\": \"flatten\"},"
                        + "{\"type\": \"dense\", \"units\": 2, \"activation\": \"softmax\"}"));
        assertTrue(failure("{\"type\": \"conv2d\", \"name\": \"c1\", \"filters\": 3, \"kernel\": 1, \"inputs\": [\"later\"]},"
                        + "{\"type\": \"flatten\", \"name\": \"later\"}, {\"type\": \"dense\", \"units\": 2, \"activation\": \"softmax\"}")
                .startsWith("layer 'c1' (conv2d): input 'later' is not a layer listed before it"));
        assertTrue(failure("{\"type\": \"add\", \"name\": \"a\", \"inputs\": [\"input_1\"]}, {\"type\": \"flatten\"},"
                        + "{\"type\": \"dense\", \"units\": 2, \"activation\": \"softmax\"}")
                .startsWith("layer 'a' (add): expected at least 2 inputs, received 1"));
        assertTrue(failure("{\"type\": \"conv2d\", \"name\": \"lost\", \"filters\": 3, \"kernel\": 1},"
                        + "{\"type\": \"flatten\", \"inputs\": [\"input_1\"]}, {\"type\": \"dense\", \"units\": 2, \"activation\": \"softmax\"}")
                .startsWith("layer 'lost' (conv2d): no later layer reads it"));
        assertTrue(failure("{\"type\": \"conv2d\", \"filters\": 3, \"kernel\": 1, \"inputs\": [\"input_1\", \"input_1\"]},"
                        + "{\"type\": \"flatten\"}, {\"type\": \"dense\", \"units\": 2, \"activation\": \"softmax\"}")
                .startsWith("layer 'conv2d_1' (conv2d): expected 1 input, received 2"));
        assertTrue(failure("{\"type\": \"conv2d\", \"name\": \"c1\", \"filters\": 3, \"kernel\": 3, \"stride\": 2},"
                        + "{\"type\": \"concat\", \"name\": \"j\", \"inputs\": [\"c1\", \"input_1\"]}, {\"type\": \"flatten\"},"
                        + "{\"type\": \"dense\", \"units\": 2, \"activation\": \"softmax\"}")
                .startsWith("layer 'j' (concat): expected inputs that differ only in channels, received (None, 3, 3, 3) from 'c1'"));
    }
}
