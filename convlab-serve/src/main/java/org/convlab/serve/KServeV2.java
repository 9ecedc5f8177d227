package org.convlab.serve;

import com.fasterxml.jackson.databind.JsonNode;
import org.convlab.ConvLabException;
import org.convlab.arch.InputShape;
import org.convlab.io.JsonFiles;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The KServe Open Inference Protocol v2 (Triton's HTTP API) for ConvLab's models: one input,
 * {@code input_1}, an FP32 tensor [N, H, W, C] of decoded pixel values 0..255 in RGB order (or
 * grey); one output, {@code probabilities}, FP32 [N, K] in the order of the model's labels.
 */
final class KServeV2 {
    static final String INPUT = "input_1";
    static final String OUTPUT = "probabilities";
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = JsonFiles.mapper();

    private KServeV2() {
    }

    /** The request's one input tensor: its shape and its values, flattened row-major. */
    record InferRequest(String id, long[] shape, float[] data) {
    }

    static InferRequest parse(byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            String problem = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? JsonFiles.problem(j) : e.getMessage();
            throw new ConvLabException("the request is not JSON (" + problem + "); send {\"inputs\": [{\"name\": \"" + INPUT
                    + "\", \"shape\": [N, H, W, C], \"datatype\": \"FP32\", \"data\": [...]}]}");
        }
        JsonNode inputs = root == null ? null : root.get("inputs");
        if (inputs == null || !inputs.isArray() || inputs.size() != 1) {
            throw new ConvLabException("expected \"inputs\" with exactly one tensor (" + INPUT + "), received "
                    + (inputs == null || !inputs.isArray() ? "none" : inputs.size()));
        }
        JsonNode input = inputs.get(0);
        String datatype = input.path("datatype").asText("");
        if (!datatype.equals("FP32")) {
            throw new ConvLabException("expected datatype FP32, received '" + datatype + "'");
        }
        JsonNode shapeNode = input.get("shape");
        if (shapeNode == null || !shapeNode.isArray() || shapeNode.size() != 4) {
            throw new ConvLabException("expected shape [N, H, W, C] (4 numbers), received " + shapeNode);
        }
        long[] shape = new long[4];
        long count = 1;
        for (int i = 0; i < 4; i++) {
            shape[i] = shapeNode.get(i).asLong(-1);
            if (shape[i] < 1) {
                throw new ConvLabException("expected positive sizes in shape [N, H, W, C], received " + shapeNode);
            }
            count = Math.multiplyExact(count, shape[i]);
        }
        float[] data = new float[Math.toIntExact(count)];
        int[] at = {0};
        flatten(input.get("data"), data, at);
        if (at[0] != count) {
            throw new ConvLabException("shape " + shapeNode + " holds " + count + " values, \"data\" has " + at[0]);
        }
        return new InferRequest(root.hasNonNull("id") ? root.get("id").asText() : null, shape, data);
    }

    /** The data may be flat or nested, as the protocol allows. */
    private static void flatten(JsonNode node, float[] out, int[] at) {
        if (node == null) {
            throw new ConvLabException("the input has no \"data\"");
        }
        if (node.isArray()) {
            for (JsonNode child : node) {
                flatten(child, out, at);
            }
        } else if (node.isNumber()) {
            if (at[0] < out.length) {
                out[at[0]] = node.floatValue();
            }
            at[0]++;
        } else {
            throw new ConvLabException("\"data\" must hold numbers, received " + node);
        }
    }

    /** The request's pixels as [N, C, H, W] for a model taking {@code input}; a wrong shape is refused. */
    static INDArray pixels(InferRequest r, InputShape input) {
        long[] s = r.shape();
        if (s[1] != input.height() || s[2] != input.width() || s[3] != input.channels()) {
            throw new ConvLabException("expected shape [N, " + input.height() + ", " + input.width() + ", " + input.channels()
                    + "] for this model, received [" + s[0] + ", " + s[1] + ", " + s[2] + ", " + s[3] + "]");
        }
        return Nd4j.create(r.data(), s, DataType.FLOAT).permute(0, 3, 1, 2).dup('c');
    }

    static Map<String, Object> response(ServedModel m, String id, INDArray probabilities) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("model_name", m.name());
        out.put("model_version", String.valueOf(m.version()));
        if (id != null) {
            out.put("id", id);
        }
        out.put("outputs", List.of(Map.of("name", OUTPUT, "datatype", "FP32", "shape", probabilities.shape(),
                "data", probabilities.dup().data().asFloat())));
        return out;
    }

    static Map<String, Object> metadata(ServedModel m, List<Integer> versions) {
        InputShape in = m.card().input();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", m.name());
        out.put("versions", versions.stream().map(String::valueOf).toList());
        out.put("platform", "deeplearning4j");
        out.put("inputs", List.of(Map.of("name", INPUT, "datatype", "FP32",
                "shape", List.of(-1, in.height(), in.width(), in.channels()))));
        out.put("outputs", List.of(Map.of("name", OUTPUT, "datatype", "FP32", "shape", List.of(-1, m.card().labels().size()))));
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("labels", m.card().labels());
        parameters.put("pixels", "0..255, RGB order (grey: one channel), NHWC");
        parameters.put("version", m.version());
        out.put("parameters", parameters);
        return out;
    }
}
