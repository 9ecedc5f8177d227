package org.convlab.serve;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
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

    /**
     * The request's one input tensor as far as its header goes: the id, the shape, and how many numbers
     * {@code data} holds. Nothing of the values is kept; {@link #pixels} reads them once the shape has been
     * checked, so a small body that declares a huge shape costs nothing.
     */
    record InferRequest(String id, long[] shape, long values, byte[] body) {
    }

    /** Reads the request's structure (one streaming pass over the body, no tree, no values kept) and checks it. */
    static InferRequest parse(byte[] body) {
        Walk walk = Walk.over(body, null);
        if (walk.inputs != 1) {
            throw new ConvLabException("expected \"inputs\" with exactly one tensor (" + INPUT + "), received "
                    + (walk.inputs < 0 ? "none" : walk.inputs));
        }
        if (!"FP32".equals(walk.datatype)) {
            throw new ConvLabException("expected datatype FP32, received '" + (walk.datatype == null ? "" : walk.datatype) + "'");
        }
        if (walk.shape == null || walk.shape.length != 4) {
            throw new ConvLabException("expected shape [N, H, W, C] (4 numbers), received " + walk.shapeText());
        }
        for (long size : walk.shape) {
            if (size < 1) {
                throw new ConvLabException("expected positive sizes in shape [N, H, W, C], received " + walk.shapeText());
            }
        }
        if (walk.values < 0) {
            throw new ConvLabException("the input has no \"data\"");
        }
        return new InferRequest(walk.id, walk.shape, walk.values, body);
    }

    /**
     * The request's pixels as [N, C, H, W] for a model taking {@code input}: the shape is checked against the
     * model and against the count of {@code data} (in long arithmetic, so no product overflows) before the
     * values are read into memory.
     */
    static INDArray pixels(InferRequest r, InputShape input) {
        long[] s = r.shape();
        if (s[1] != input.height() || s[2] != input.width() || s[3] != input.channels()) {
            throw new ConvLabException("expected shape [N, " + input.height() + ", " + input.width() + ", " + input.channels()
                    + "] for this model, received [" + s[0] + ", " + s[1] + ", " + s[2] + ", " + s[3] + "]");
        }
        long perImage = (long) input.height() * input.width() * input.channels();
        if (s[0] > r.values() / perImage || s[0] * perImage != r.values()) {
            throw new ConvLabException("shape [" + s[0] + ", " + s[1] + ", " + s[2] + ", " + s[3] + "] holds "
                    + (s[0] > Long.MAX_VALUE / perImage ? "more than " + Long.MAX_VALUE : String.valueOf(s[0] * perImage))
                    + " values, \"data\" has " + r.values());
        }
        float[] values = new float[Math.toIntExact(r.values())]; // at most half the body's bytes: each number takes two
        Walk.over(r.body(), values);
        return Nd4j.create(values, s, DataType.FLOAT).permute(0, 3, 1, 2).dup('c');
    }

    /**
     * One streaming pass over a request body: the top-level {@code id} and {@code inputs}, and of the first input
     * its {@code datatype}, {@code shape} and the numbers of {@code data} (counted, and copied into {@code into}
     * when given). Other fields are skipped unread.
     */
    private static final class Walk {
        private final float[] into;
        String id;
        int inputs = -1;
        String datatype;
        long[] shape;
        String shapeProblem;
        long values = -1;

        private Walk(float[] into) {
            this.into = into;
        }

        static Walk over(byte[] body, float[] into) {
            Walk walk = new Walk(into);
            try (JsonParser p = JSON.getFactory().createParser(body)) {
                walk.root(p);
            } catch (JsonProcessingException e) {
                throw new ConvLabException("the request is not JSON (" + JsonFiles.problem(e) + "); send {\"inputs\": [{\"name\": \""
                        + INPUT + "\", \"shape\": [N, H, W, C], \"datatype\": \"FP32\", \"data\": [...]}]}");
            } catch (IOException e) {
                throw new ConvLabException("the request cannot be read (" + e.getMessage() + ")");
            }
            return walk;
        }

        private void root(JsonParser p) throws IOException {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new JsonParseException(p, "expected an object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if (field.equals("id") && value.isScalarValue()) {
                    id = value == JsonToken.VALUE_NULL ? null : p.getText();
                } else if (field.equals("inputs") && value == JsonToken.START_ARRAY) {
                    inputs = 0;
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        if (++inputs == 1 && p.currentToken() == JsonToken.START_OBJECT) {
                            input(p);
                        } else {
                            p.skipChildren();
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                throw new JsonParseException(p, "more after the object");
            }
        }

        private void input(JsonParser p) throws IOException {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "datatype" -> datatype = value.isScalarValue() ? p.getText() : skipped(p);
                    case "shape" -> shape(p, value);
                    case "data" -> data(p, value);
                    default -> p.skipChildren();
                }
            }
        }

        private void shape(JsonParser p, JsonToken value) throws IOException {
            if (value != JsonToken.START_ARRAY) {
                shapeProblem = p.getText();
                p.skipChildren();
                return;
            }
            List<Long> sizes = new java.util.ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                if (p.currentToken() != JsonToken.VALUE_NUMBER_INT || sizes.size() == 4) {
                    shapeProblem = "a shape that is not 4 whole numbers";
                    p.skipChildren();
                    continue;
                }
                // Past long's range: -1, refused as not positive.
                sizes.add(p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? -1 : p.getLongValue());
            }
            if (shapeProblem == null) {
                shape = sizes.stream().mapToLong(Long::longValue).toArray();
                shapeProblem = sizes.toString();
            } else {
                shape = null;
            }
        }

        String shapeText() {
            return shapeProblem == null ? "none" : shapeProblem;
        }

        private void data(JsonParser p, JsonToken value) throws IOException {
            values = 0;
            int depth = 0;
            JsonToken t = value;
            do {
                if (t == JsonToken.START_ARRAY) {
                    depth++;
                } else if (t == JsonToken.END_ARRAY) {
                    depth--;
                } else if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT) {
                    if (into != null && values < into.length) {
                        into[(int) values] = p.getFloatValue();
                    }
                    values++;
                } else {
                    throw new ConvLabException("\"data\" must hold numbers, received " + p.getText());
                }
            } while (depth > 0 && (t = p.nextToken()) != null);
        }

        private static String skipped(JsonParser p) throws IOException {
            p.skipChildren();
            return null;
        }
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

    /** The protocol's server metadata ({@code GET /v2}). */
    static Map<String, Object> serverMetadata() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", "convlab");
        out.put("version", org.convlab.runtime.BuildInfo.property("convlab.version"));
        out.put("extensions", List.of());
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
