package org.convlab.interop;

import com.google.protobuf.ByteString;
import org.convlab.ConvLabException;
import org.convlab.arch.ExactGelu;
import org.convlab.data.Preprocessing;
import org.convlab.interop.onnx.OnnxModel.AttributeProto;
import org.convlab.interop.onnx.OnnxModel.GraphProto;
import org.convlab.interop.onnx.OnnxModel.ModelProto;
import org.convlab.interop.onnx.OnnxModel.NodeProto;
import org.convlab.interop.onnx.OnnxModel.OperatorSetIdProto;
import org.convlab.interop.onnx.OnnxModel.StringStringEntryProto;
import org.convlab.interop.onnx.OnnxModel.TensorProto;
import org.convlab.interop.onnx.OnnxModel.TensorShapeProto;
import org.convlab.interop.onnx.OnnxModel.TypeProto;
import org.convlab.interop.onnx.OnnxModel.ValueInfoProto;
import org.convlab.io.IoErrors;
import org.convlab.io.JsonFiles;
import org.convlab.io.StagingFolder;
import org.convlab.runtime.BuildInfo;
import org.convlab.zoo.ModelCard;
import org.convlab.zoo.StoredModel;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationHardSigmoid;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSELU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftPlus;
import org.nd4j.linalg.activations.impl.ActivationSoftSign;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationSwish;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A stored model as a standard ONNX graph (opset 13), for runtimes DL4J cannot reach (ONNX Runtime,
 * TensorRT, Triton, GPUs newer than its CUDA 11.6 kernels). The input {@code pixels} is float32
 * [N, C, H, W] of decoded pixels 0..255 in RGB order (one channel for grey models); the model's
 * preprocessing (channel order, divisor) is inside the graph, so a runtime needs nothing but a
 * decoded image of the input size. The output {@code probabilities} is [N, K] in the order of the
 * labels, which go into the metadata with the preprocessing and the source model's
 * name, version and sha256. Every layer runs channels first; a model imported from Keras (channels
 * last) is transposed only before its flatten, so its dense weights read values in their order.
 *
 * <pre>{@code
 * OnnxExport.write(ModelRegistry.at(Path.of("models")).load("fashion-cnn"), Path.of("fashion-cnn.onnx"));
 * }</pre>
 */
public final class OnnxExport {
    public static final String INPUT = "pixels";
    public static final String OUTPUT = "probabilities";
    static final int OPSET = 13;
    private static final int IR_VERSION = 8;
    private static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    private static final int INT64 = TensorProto.DataType.INT64_VALUE;

    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Map<String, String> tensorOf = new HashMap<>();
    private int counter;

    private OnnxExport() {
    }

    /** Writes {@code model} as ONNX to {@code out}, atomically (a crash leaves no half file); see {@link #write(StoredModel, Path, boolean)}. */
    public static void write(StoredModel model, Path out) {
        write(model, out, false);
    }

    /**
     * Writes {@code model} as ONNX to {@code out}, atomically (a crash leaves no half file). {@code out} must be a
     * new path or a regular file: a folder, a device, a symbolic link or any other special file is refused, and so
     * is a regular file that is not an ONNX model unless {@code replaceOther} says to replace it.
     */
    public static void write(StoredModel model, Path out, boolean replaceOther) {
        checkTarget(out, replaceOther);
        ModelProto proto = new OnnxExport().build(model);
        Path parent = out.toAbsolutePath().getParent();
        try (StagingFolder staging = StagingFolder.in(parent)) {
            Path tmp = staging.path().resolve("model.onnx");
            try (OutputStream os = Files.newOutputStream(tmp)) {
                proto.writeTo(os);
            }
            Files.move(tmp, out.toAbsolutePath(), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new ConvLabException("cannot write " + out + " (" + IoErrors.describe(e) + "); choose a folder you can write in");
        }
    }

    private static void checkTarget(Path out, boolean replaceOther) {
        if (Files.isSymbolicLink(out)) {
            throw new ConvLabException(out + " is a symbolic link; give the path of the file itself (or a new path)");
        }
        if (!Files.exists(out, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Path parent = out.toAbsolutePath().getParent();
            if (parent == null || !Files.isDirectory(parent)) {
                throw new ConvLabException("the folder of " + out + " does not exist; create it first or choose another path");
            }
            return;
        }
        if (Files.isDirectory(out)) {
            throw new ConvLabException(out + " is a folder; give a file path such as " + out.resolve("model.onnx"));
        }
        if (!Files.isRegularFile(out, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new ConvLabException(out + " is not a regular file (a device, pipe or socket); choose a file path");
        }
        if (!replaceOther && !isOnnx(out)) {
            throw new ConvLabException(out + " exists and is not an ONNX model; choose another path, or replace it with --force");
        }
    }

    /** Whether the file parses as an ONNX model that names an IR version (what every exporter writes). */
    private static boolean isOnnx(Path file) {
        try (var in = Files.newInputStream(file)) {
            ModelProto existing = ModelProto.parseFrom(in);
            return existing.getIrVersion() > 0 && existing.hasGraph();
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    private ModelProto build(StoredModel model) {
        ModelCard card = model.card();
        ComputationGraph net = model.graph();
        ComputationGraphConfiguration conf = net.getConfiguration();
        Preprocessing pre = card.preprocessing();
        CNN2DFormat format = pre.layout() == Preprocessing.Layout.NHWC ? CNN2DFormat.NHWC : CNN2DFormat.NCHW;
        int channels = card.input().channels();
        graph.setName(card.name());
        graph.addInput(value(INPUT, "N", channels, card.input().height(), card.input().width()));

        String x = INPUT;
        if (pre.channels() == Preprocessing.Channels.BGR) {
            x = node("Gather", List.of(x, constant(new long[] {2, 1, 0})), Map.of("axis", 1L));
        }
        if (pre.divideBy() != 1) {
            x = node("Div", List.of(x, constant((float) pre.divideBy())), Map.of());
        }
        String in = conf.getNetworkInputs().get(0);
        tensorOf.put(in, x);
        Map<String, InputType> types = conf.getLayerActivationTypes(
                InputType.convolutional(card.input().height(), card.input().width(), channels, format));
        types.put(in, InputType.convolutional(card.input().height(), card.input().width(), channels, format));

        List<String> order = conf.getTopologicalOrderStr();
        String last = null;
        for (String name : order) {
            if (conf.getNetworkInputs().contains(name)) {
                continue;
            }
            List<String> inputs = conf.getVertexInputs().get(name);
            tensorOf.put(name, inputs.size() == 1
                    ? vertex(name, conf.getVertices().get(name), tensorOf.get(inputs.get(0)), types.get(inputs.get(0)), net)
                    : merge(name, conf.getVertices().get(name), inputs.stream().map(tensorOf::get).toList()));
            last = name;
        }
        graph.addNode(NodeProto.newBuilder().setOpType("Identity").setName("output").addInput(tensorOf.get(last)).addOutput(OUTPUT));
        graph.addOutput(value(OUTPUT, "N", card.labels().size()));

        ModelProto.Builder m = ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("ConvLab")
                .setProducerVersion(BuildInfo.property("convlab.version")).setModelVersion(card.version() == null ? 0 : card.version())
                .setDocString(card.name() + ":" + card.version() + ", exported from DL4J " + BuildInfo.dl4jVersion())
                .setGraph(graph).addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET));
        metadata(card).forEach((k, v) -> m.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v)));
        return m.build();
    }

    /**
     * The file's metadata. {@code graph_input} is the contract of the graph itself (what a runtime feeds it);
     * {@code training_preprocessing} is the card's record of how training prepared images, which the graph has
     * inside already: a caller follows the first, never the second.
     */
    private static Map<String, String> metadata(ModelCard card) {
        Map<String, String> meta = new LinkedHashMap<>();
        Map<String, Object> graphInput = new LinkedHashMap<>();
        graphInput.put("name", INPUT);
        graphInput.put("datatype", "float32");
        graphInput.put("layout", "NCHW");
        graphInput.put("shape", List.of(-1, card.input().channels(), card.input().height(), card.input().width()));
        graphInput.put("channels", card.input().channels() == 1 ? "grey" : "rgb");
        graphInput.put("range", List.of(0, 255));
        try {
            var json = JsonFiles.mapper().disable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);
            meta.put("labels", json.writeValueAsString(card.labels()));
            meta.put("graph_input", json.writeValueAsString(graphInput));
            meta.put("training_preprocessing", json.writeValueAsString(card.preprocessing()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        meta.put("input", "pixels: float32 [N, " + card.input().channels() + ", " + card.input().height() + ", " + card.input().width()
                + "], decoded pixel values 0..255, RGB order (grey: one channel); preprocessing is inside the graph");
        meta.put("source_model", card.name());
        meta.put("source_version", String.valueOf(card.version()));
        meta.put("registry_sha256", String.valueOf(card.modelSha256()));
        // The file the model came from: the imported .h5 for an import, the registry's model.zip for a trained model.
        meta.put("source_sha256", card.source() != null && card.source().sha256() != null ? card.source().sha256()
                : String.valueOf(card.modelSha256()));
        if (card.source() != null && card.source().file() != null) {
            meta.put("source_file", card.source().file());
        }
        return meta;
    }

    /** The ONNX nodes of one DL4J vertex; returns the tensor holding its output. */
    private String vertex(String name, GraphVertex vertex, String x, InputType in, ComputationGraph net) {
        if (vertex instanceof PreprocessorVertex pv) {
            return preprocessor(pv.getPreProcessor(), x, name);
        }
        if (vertex instanceof ScaleVertex) {
            double scale = scaleOf((ScaleVertex) vertex);
            return node("Mul", List.of(x, constant((float) scale)), Map.of());
        }
        if (!(vertex instanceof LayerVertex lv)) {
            throw unsupported(name, vertex.getClass().getSimpleName());
        }
        if (lv.getPreProcessor() != null) {
            x = preprocessor(lv.getPreProcessor(), x, name);
        }
        Layer layer = lv.getLayerConf().getLayer();
        Map<String, INDArray> params = net.getLayer(name) == null ? Map.of() : net.getLayer(name).paramTable();
        if (layer instanceof ConvolutionLayer c && layer.getClass() == ConvolutionLayer.class) {
            return activation(conv(c, params, x, (InputType.InputTypeConvolutional) in), c.getActivationFn(), name);
        }
        if (layer instanceof SubsamplingLayer s && layer.getClass() == SubsamplingLayer.class) {
            return pool(s, x, (InputType.InputTypeConvolutional) in);
        }
        if (layer instanceof BatchNormalization bn) {
            return batchNorm(bn, params, x);
        }
        if (layer instanceof DenseLayer d) {
            return activation(gemm(params, x), d.getActivationFn(), name);
        }
        if (layer instanceof BaseOutputLayer o) {
            return activation(gemm(params, x), o.getActivationFn(), name);
        }
        if (layer instanceof DropoutLayer) {
            return x; // identity at inference
        }
        if (layer instanceof GlobalPoolingLayer g && g.getPoolingType() == PoolingType.AVG && g.isCollapseDimensions()) {
            return node("Flatten", List.of(node("GlobalAveragePool", List.of(x), Map.of())), Map.of("axis", 1L));
        }
        if (layer instanceof ActivationLayer a) {
            return activation(x, a.getActivationFn(), name);
        }
        throw unsupported(name, layer.getClass().getSimpleName());
    }

    /** A residual add (ONNX Sum) or a concatenation along the channels (axis 1: ONNX tensors are NCHW). */
    private String merge(String name, GraphVertex vertex, List<String> xs) {
        if (vertex instanceof ElementWiseVertex e && e.getOp() == ElementWiseVertex.Op.Add) {
            return node("Sum", xs, Map.of());
        }
        if (vertex instanceof MergeVertex) {
            return node("Concat", xs, Map.of("axis", 1L));
        }
        throw unsupported(name, vertex.getClass().getSimpleName());
    }

    private String preprocessor(InputPreProcessor p, String x, String name) {
        if (p instanceof CnnToFeedForwardPreProcessor cnn) {
            if (cnn.getFormat() == CNN2DFormat.NHWC) {
                // DL4J flattens a channels-last model's values in (height, width, channel) order.
                x = node("Transpose", List.of(x), Map.of("perm", new long[] {0, 2, 3, 1}));
            }
            return node("Flatten", List.of(x), Map.of("axis", 1L));
        }
        throw unsupported(name, p.getClass().getSimpleName());
    }

    private String conv(ConvolutionLayer c, Map<String, INDArray> params, String x, InputType.InputTypeConvolutional in) {
        long[] kernel = longs(c.getKernelSize());
        long[] stride = longs(c.getStride());
        long[] dilation = longs(c.getDilation());
        long[] pads = pads(c.getConvolutionMode(), longs(c.getPadding()), kernel, stride, dilation, in);
        List<String> inputs = new java.util.ArrayList<>(List.of(x, tensor(params.get("W"))));
        if (c.hasBias()) {
            inputs.add(tensor(params.get("b").reshape(params.get("b").length())));
        }
        Map<String, Object> attrs = new LinkedHashMap<>();
        attrs.put("kernel_shape", kernel);
        attrs.put("strides", stride);
        attrs.put("dilations", dilation);
        attrs.put("pads", pads);
        return node("Conv", inputs, attrs);
    }

    private String pool(SubsamplingLayer s, String x, InputType.InputTypeConvolutional in) {
        long[] kernel = longs(s.getKernelSize());
        long[] stride = longs(s.getStride());
        long[] pads = pads(s.getConvolutionMode(), longs(s.getPadding()), kernel, stride, new long[] {1, 1}, in);
        Map<String, Object> attrs = new LinkedHashMap<>();
        attrs.put("kernel_shape", kernel);
        attrs.put("strides", stride);
        attrs.put("pads", pads);
        if (s.getPoolingType() == PoolingType.MAX) {
            return node("MaxPool", List.of(x), attrs);
        }
        if (s.getPoolingType() == PoolingType.AVG) {
            attrs.put("count_include_pad", s.isAvgPoolIncludePadInDivisor() ? 1L : 0L);
            return node("AveragePool", List.of(x), attrs);
        }
        throw new ConvLabException("pooling " + s.getLayerName() + " (" + s.getPoolingType() + ") has no ONNX counterpart here");
    }

    /** ONNX's [top, left, bottom, right]: TensorFlow's 'same' (the odd one at the end), else DL4J's symmetric padding. */
    private static long[] pads(ConvolutionMode mode, long[] padding, long[] kernel, long[] stride, long[] dilation,
                               InputType.InputTypeConvolutional in) {
        if (mode != ConvolutionMode.Same) {
            return new long[] {padding[0], padding[1], padding[0], padding[1]};
        }
        long[] size = {in.getHeight(), in.getWidth()};
        long[] pads = new long[4];
        for (int a = 0; a < 2; a++) {
            long out = (size[a] + stride[a] - 1) / stride[a];
            long total = Math.max((out - 1) * stride[a] + (kernel[a] - 1) * dilation[a] + 1 - size[a], 0);
            pads[a] = total / 2;
            pads[a + 2] = total - total / 2;
        }
        return pads;
    }

    private String batchNorm(BatchNormalization bn, Map<String, INDArray> p, String x) {
        INDArray gamma = bn.isLockGammaBeta() ? full(p.get("mean"), bn.getGamma()) : p.get("gamma");
        INDArray beta = bn.isLockGammaBeta() ? full(p.get("mean"), bn.getBeta()) : p.get("beta");
        INDArray var = p.containsKey("var") ? p.get("var")
                // kept as log10 of the standard deviation, sqrt(var + eps)
                : org.nd4j.linalg.ops.transforms.Transforms.exp(p.get("log10stdev").mul(2 * Math.log(10)), true).subi(bn.getEps());
        return node("BatchNormalization", List.of(x, tensor(flat(gamma)), tensor(flat(beta)), tensor(flat(p.get("mean"))),
                tensor(flat(var))), Map.of("epsilon", (float) bn.getEps()));
    }

    private static INDArray full(INDArray like, double value) {
        return like.dup().assign(value);
    }

    private String gemm(Map<String, INDArray> p, String x) {
        List<String> inputs = new java.util.ArrayList<>(List.of(x, tensor(p.get("W"))));
        if (p.containsKey("b")) {
            inputs.add(tensor(flat(p.get("b"))));
        }
        return node("Gemm", inputs, Map.of());
    }

    private String activation(String x, IActivation fn, String layer) {
        if (fn == null || fn instanceof ActivationIdentity) {
            return x;
        }
        if (fn instanceof ActivationReLU r && r.getMax() == null && r.getThreshold() == null && r.getNegativeSlope() == null) {
            return node("Relu", List.of(x), Map.of());
        }
        if (fn instanceof ActivationTanH) {
            return node("Tanh", List.of(x), Map.of());
        }
        if (fn instanceof ActivationSigmoid) {
            return node("Sigmoid", List.of(x), Map.of());
        }
        if (fn instanceof ActivationSoftmax) {
            return node("Softmax", List.of(x), Map.of("axis", 1L));
        }
        if (fn instanceof ActivationLReLU l) {
            return node("LeakyRelu", List.of(x), Map.of("alpha", (float) l.getAlpha()));
        }
        if (fn instanceof ActivationELU e) {
            return node("Elu", List.of(x), Map.of("alpha", (float) e.getAlpha()));
        }
        if (fn instanceof ActivationSELU) {
            return node("Selu", List.of(x), Map.of());
        }
        if (fn instanceof ActivationSoftPlus) {
            return node("Softplus", List.of(x), Map.of());
        }
        if (fn instanceof ActivationSoftSign) {
            return node("Softsign", List.of(x), Map.of());
        }
        if (fn instanceof ActivationHardSigmoid) {
            return node("HardSigmoid", List.of(x), Map.of("alpha", 0.2f, "beta", 0.5f));
        }
        if (fn instanceof ActivationSwish) {
            return node("Mul", List.of(x, node("Sigmoid", List.of(x), Map.of())), Map.of());
        }
        if (fn instanceof ExactGelu) {
            // x * (1 + erf(x / sqrt 2)) / 2, exactly as ConvLab computes it (opset 13 has no Gelu)
            String erf = node("Erf", List.of(node("Div", List.of(x, constant((float) Math.sqrt(2))), Map.of())), Map.of());
            String half = node("Mul", List.of(x, constant(0.5f)), Map.of());
            return node("Mul", List.of(half, node("Add", List.of(erf, constant(1f)), Map.of())), Map.of());
        }
        throw new ConvLabException("layer '" + layer + "': activation " + fn + " has no ONNX counterpart in ConvLab's export");
    }

    private static double scaleOf(ScaleVertex v) {
        try {
            java.lang.reflect.Field f = ScaleVertex.class.getDeclaredField("scaleFactor");
            f.setAccessible(true);
            return f.getDouble(v);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("DL4J's ScaleVertex has no scaleFactor; this DL4J version is not supported", e);
        }
    }

    private String node(String op, List<String> inputs, Map<String, Object> attributes) {
        String out = op.toLowerCase() + "_" + (++counter);
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(out).addAllInput(inputs).addOutput(out);
        attributes.forEach((k, v) -> n.addAttribute(attribute(k, v)));
        graph.addNode(n);
        return out;
    }

    private static AttributeProto attribute(String name, Object value) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name);
        if (value instanceof Long l) {
            a.setType(AttributeProto.AttributeType.INT).setI(l);
        } else if (value instanceof Float f) {
            a.setType(AttributeProto.AttributeType.FLOAT).setF(f);
        } else if (value instanceof long[] ls) {
            a.setType(AttributeProto.AttributeType.INTS);
            for (long l : ls) {
                a.addInts(l);
            }
        } else {
            throw new IllegalArgumentException("attribute " + name + ": " + value);
        }
        return a.build();
    }

    /** A float initializer holding {@code array} (row-major). */
    private String tensor(INDArray array) {
        String name = "w_" + (++counter);
        float[] values = array.castTo(DataType.FLOAT).dup('c').data().asFloat();
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            bytes.putFloat(v);
        }
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(FLOAT).setRawData(ByteString.copyFrom(bytes.array()));
        for (long d : array.shape()) {
            t.addDims(d);
        }
        graph.addInitializer(t);
        return name;
    }

    private String constant(float value) {
        String name = "c_" + (++counter);
        graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(FLOAT).addFloatData(value));
        return name;
    }

    private String constant(long[] values) {
        String name = "c_" + (++counter);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(INT64).addDims(values.length);
        for (long v : values) {
            t.addInt64Data(v);
        }
        graph.addInitializer(t);
        return name;
    }

    private static ValueInfoProto value(String name, String batch, long... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder().addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(batch));
        for (long d : dims) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(FLOAT).setShape(shape))).build();
    }

    private static INDArray flat(INDArray a) {
        return a.reshape(a.length());
    }

    private static long[] longs(int[] values) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    private static ConvLabException unsupported(String name, String what) {
        return new ConvLabException("vertex '" + name + "' (" + what + ") has no ONNX counterpart in ConvLab's export yet");
    }
}
