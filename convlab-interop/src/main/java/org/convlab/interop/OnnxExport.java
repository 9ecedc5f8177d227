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
import org.convlab.runtime.Int8Calibration;
import org.convlab.runtime.Precision;
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
 * <p>In int8 ({@link #write(StoredModel, Path, boolean, Precision)}) the graph is in ONNX's QDQ form over
 * the model's stored calibration ({@link Int8Calibration}), the quantization ConvLab's own int8 runs: each
 * calibrated convolution and hidden dense layer reads its input through QuantizeLinear and DequantizeLinear
 * (u8 over [0, max] where the range is never negative, else s8 symmetric about zero), its weights are s8 with
 * one scale per output channel (largest magnitude onto 127), its bias int32 in the product's units; a batch
 * norm right after a convolution without activation is folded into it first, as ConvLab's int8 folds it.
 * ONNX Runtime fuses these into its integer kernels (QLinearConv, QGemm); other runtimes read the same file.
 *
 * <pre>{@code
 * OnnxExport.write(ModelRegistry.at(Path.of("models")).load("fashion-cnn"), Path.of("fashion-cnn.onnx"));
 * OnnxExport.write(stored, Path.of("fashion-cnn-int8.onnx"), false, Precision.INT8);
 * }</pre>
 */
public final class OnnxExport {
    public static final String INPUT = "pixels";
    public static final String OUTPUT = "probabilities";
    static final int OPSET = 13;
    private static final int IR_VERSION = 8;
    private static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    private static final int INT64 = TensorProto.DataType.INT64_VALUE;
    private static final int INT32 = TensorProto.DataType.INT32_VALUE;
    private static final int INT8 = TensorProto.DataType.INT8_VALUE;
    private static final int UINT8 = TensorProto.DataType.UINT8_VALUE;

    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Map<String, String> tensorOf = new HashMap<>();
    /** The input ranges of the layers written in int8; null for a float graph. */
    private final Int8Calibration calibration;
    /** In int8: convolution -> the batch norm folded into it. */
    private final Map<String, String> foldedNorm = new HashMap<>();
    /** Vertex -> the vertices that read it. */
    private final Map<String, List<String>> readersOf = new HashMap<>();
    private int counter;

    private OnnxExport(Int8Calibration calibration) {
        this.calibration = calibration;
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
        write(model, out, replaceOther, Precision.FP32);
    }

    /**
     * As {@link #write(StoredModel, Path, boolean)}, in {@code precision}: FP32, or INT8 in QDQ form over the model's
     * stored calibration (a model without one is refused: {@code convlab calibrate} measures it).
     */
    public static void write(StoredModel model, Path out, boolean replaceOther, Precision precision) {
        Int8Calibration calibration = null;
        if (precision == Precision.INT8) {
            calibration = model.calibration();
            if (calibration == null) {
                throw new ConvLabException("model " + model.ref() + " has no int8 calibration; measure one with convlab calibrate --model "
                        + model.ref() + ", then export again");
            }
        } else if (precision != Precision.FP32) {
            throw new ConvLabException("ONNX export writes fp32 or int8, received " + precision.name().toLowerCase()
                    + "; a runtime casts an fp32 graph to bf16 itself");
        }
        checkTarget(out, replaceOther);
        ModelProto proto = new OnnxExport(calibration).build(model);
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
        conf.getVertexInputs().forEach((v, ins) -> ins.forEach(i -> readersOf.computeIfAbsent(i, k -> new java.util.ArrayList<>()).add(v)));
        if (calibration != null) {
            findFoldableNorms(conf);
        }
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
    private Map<String, String> metadata(ModelCard card) {
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
        if (calibration != null) {
            meta.put("precision", "int8");
            meta.put("int8_calibration_images", String.valueOf(calibration.images()));
        } else {
            meta.put("precision", "fp32");
        }
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
            List<String> readers = readersOf.getOrDefault(name, List.of());
            return preprocessor(readers.size() == 1 ? quantizedBeforeFlatten(x, readers.get(0)) : x, pv.getPreProcessor(), name);
        }
        if (vertex instanceof ScaleVertex) {
            double scale = scaleOf((ScaleVertex) vertex);
            return node("Mul", List.of(x, constant((float) scale)), Map.of());
        }
        if (!(vertex instanceof LayerVertex lv)) {
            throw unsupported(name, vertex.getClass().getSimpleName());
        }
        if (lv.getPreProcessor() != null) {
            x = preprocessor(quantizedBeforeFlatten(x, name), lv.getPreProcessor(), name);
        }
        Layer layer = lv.getLayerConf().getLayer();
        Map<String, INDArray> params = net.getLayer(name) == null ? Map.of() : net.getLayer(name).paramTable();
        if (layer instanceof ConvolutionLayer c && layer.getClass() == ConvolutionLayer.class) {
            return activation(conv(name, c, params, x, (InputType.InputTypeConvolutional) in, net), c.getActivationFn(), name);
        }
        if (layer instanceof SubsamplingLayer s && layer.getClass() == SubsamplingLayer.class) {
            return pool(s, x, (InputType.InputTypeConvolutional) in);
        }
        if (layer instanceof BatchNormalization bn) {
            return foldedNorm.containsValue(name) ? x : batchNorm(bn, params, x);
        }
        if (layer instanceof DenseLayer d) {
            return activation(gemm(name, params, x), d.getActivationFn(), name);
        }
        if (layer instanceof BaseOutputLayer o) {
            return activation(gemm(name, params, x), o.getActivationFn(), name);
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

    /**
     * In int8, {@code x} quantized for {@code layer} (which reads it after a flatten) before the flatten as well as
     * after it, with the same scale, so nothing changes: ONNX Runtime moves no quantization up through a Flatten,
     * and the convolution before would stay float.
     */
    private String quantizedBeforeFlatten(String x, String layer) {
        Int8Calibration.InputRange range = calibration == null ? null : calibration.inputs().get(layer);
        return range == null ? x : quantized(x, range).tensor();
    }

    private String preprocessor(String x, InputPreProcessor p, String name) {
        if (p instanceof CnnToFeedForwardPreProcessor cnn) {
            if (cnn.getFormat() == CNN2DFormat.NHWC) {
                // DL4J flattens a channels-last model's values in (height, width, channel) order.
                x = node("Transpose", List.of(x), Map.of("perm", new long[] {0, 2, 3, 1}));
            }
            return node("Flatten", List.of(x), Map.of("axis", 1L));
        }
        throw unsupported(name, p.getClass().getSimpleName());
    }

    private String conv(String name, ConvolutionLayer c, Map<String, INDArray> params, String x, InputType.InputTypeConvolutional in,
                        ComputationGraph net) {
        long[] kernel = longs(c.getKernelSize());
        long[] stride = longs(c.getStride());
        long[] dilation = longs(c.getDilation());
        long[] pads = pads(c.getConvolutionMode(), longs(c.getPadding()), kernel, stride, dilation, in);
        INDArray w = params.get("W");
        INDArray b = c.hasBias() ? flat(params.get("b")) : null;
        String norm = foldedNorm.get(name);
        if (norm != null) {
            BatchNormStatistics s = BatchNormStatistics.of((BatchNormalization) net.getLayer(norm).conf().getLayer(),
                    net.getLayer(norm).paramTable());
            w = w.mul(s.scale().reshape(s.scale().length(), 1, 1, 1));
            b = (b == null ? s.mean().mul(0) : b).sub(s.mean()).mul(s.scale()).add(s.beta());
        }
        List<String> inputs = weighted(name, x, w, b, 0);
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
        BatchNormStatistics s = BatchNormStatistics.of(bn, p);
        return node("BatchNormalization", List.of(x, tensor(s.gamma()), tensor(s.beta()), tensor(s.mean()), tensor(s.var())),
                Map.of("epsilon", (float) bn.getEps()));
    }

    /** A batch norm's parameters as flat vectors, with its variance (DL4J may keep log10 of the standard deviation). */
    private record BatchNormStatistics(INDArray gamma, INDArray beta, INDArray mean, INDArray var, double eps) {
        static BatchNormStatistics of(BatchNormalization bn, Map<String, INDArray> p) {
            INDArray gamma = bn.isLockGammaBeta() ? p.get("mean").dup().assign(bn.getGamma()) : p.get("gamma");
            INDArray beta = bn.isLockGammaBeta() ? p.get("mean").dup().assign(bn.getBeta()) : p.get("beta");
            INDArray var = p.containsKey("var") ? p.get("var")
                    // kept as log10 of the standard deviation, sqrt(var + eps)
                    : org.nd4j.linalg.ops.transforms.Transforms.exp(p.get("log10stdev").mul(2 * Math.log(10)), true).subi(bn.getEps());
            return new BatchNormStatistics(flat(gamma), flat(beta), flat(p.get("mean")), flat(var), bn.getEps());
        }

        /** gamma / sqrt(var + eps): what folding multiplies a channel's weights by. */
        INDArray scale() {
            return gamma.div(org.nd4j.linalg.ops.transforms.Transforms.sqrt(var.add(eps), true));
        }
    }

    private String gemm(String name, Map<String, INDArray> p, String x) {
        // W is [in, out]: one weight scale per output column
        return node("Gemm", weighted(name, x, p.get("W"), p.containsKey("b") ? flat(p.get("b")) : null, 1), Map.of());
    }

    /**
     * The inputs of a convolution or dense layer: {@code x}, its weights {@code w} (output channels along {@code outAxis})
     * and its bias {@code b} (or none) as floats, or, where the calibration holds the layer, quantized.
     */
    private List<String> weighted(String layer, String x, INDArray w, INDArray b, int outAxis) {
        Int8Calibration.InputRange range = calibration == null ? null : calibration.inputs().get(layer);
        if (range == null) {
            return b == null ? List.of(x, tensor(w)) : List.of(x, tensor(w), tensor(b));
        }
        QuantizedInput q = quantized(x, range);
        float[] scales = weightScales(w, outAxis);
        String weights = int8Weights(w, scales, outAxis);
        return b == null ? List.of(q.tensor(), weights) : List.of(q.tensor(), weights, int32Bias(b, q.scale(), scales));
    }

    /**
     * In int8: the batch norms that directly follow a convolution without activation, that convolution their only
     * input and they its only reader, by convolution (ConvLab's int8 folds the same ones).
     */
    private void findFoldableNorms(ComputationGraphConfiguration conf) {
        conf.getVertices().forEach((name, vertex) -> {
            List<String> ins = conf.getVertexInputs().get(name);
            if (vertex instanceof LayerVertex lv && lv.getLayerConf().getLayer() instanceof BatchNormalization && lv.getPreProcessor() == null
                    && ins != null && ins.size() == 1 && readersOf.get(ins.get(0)).size() == 1
                    && conf.getVertices().get(ins.get(0)) instanceof LayerVertex c
                    && c.getLayerConf().getLayer().getClass() == ConvolutionLayer.class
                    && calibration.inputs().containsKey(ins.get(0))) {
                IActivation a = ((ConvolutionLayer) c.getLayerConf().getLayer()).getActivationFn();
                if (a == null || a instanceof ActivationIdentity) {
                    foldedNorm.put(ins.get(0), name);
                }
            }
        });
    }

    /** A tensor after QuantizeLinear and DequantizeLinear, and its scale (float per integer step). */
    private record QuantizedInput(String tensor, float scale) {
    }

    /**
     * {@code x} through QuantizeLinear and DequantizeLinear over {@code range}: u8 steps of max / 255 where the range is
     * never negative (after a ReLU), else s8 steps of max |value| / 127; zero point 0 either way.
     */
    private QuantizedInput quantized(String x, Int8Calibration.InputRange range) {
        boolean unsigned = range.min() >= 0;
        float limit = Math.max(Math.abs(range.min()), Math.abs(range.max()));
        float scale = limit == 0 ? 1f : limit / (unsigned ? 255f : 127f);
        String s = constant(scale);
        String zero = integerConstant(unsigned ? UINT8 : INT8, new long[0], new byte[1]);
        String q = node("QuantizeLinear", List.of(x, s, zero), Map.of());
        return new QuantizedInput(node("DequantizeLinear", List.of(q, s, zero), Map.of()), scale);
    }

    /** {@code w} as s8 with one scale per index of {@code axis} ({@link #weightScales}), through DequantizeLinear. */
    private String int8Weights(INDArray w, float[] scales, int axis) {
        INDArray c = w.castTo(DataType.FLOAT).dup('c');
        long[] shape = c.shape();
        long inner = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            inner *= shape[d];
        }
        float[] values = c.data().asFloat();
        byte[] q = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            float v = Math.round(values[i] / scales[(int) ((i / inner) % shape[axis])]);
            q[i] = (byte) Math.max(-127, Math.min(127, v));
        }
        String data = integerConstant(INT8, shape, q);
        String scale = floats(scales);
        String zero = integerConstant(INT8, new long[] {scales.length}, new byte[scales.length]);
        return node("DequantizeLinear", List.of(data, scale, zero), Map.of("axis", (long) axis));
    }

    /** The bias in int32 units of input scale times weight scale {@code ws} (per output channel), through DequantizeLinear. */
    private String int32Bias(INDArray bias, float inputScale, float[] ws) {
        float[] b = bias.castTo(DataType.FLOAT).toFloatVector();
        float[] scales = new float[b.length];
        ByteBuffer q = ByteBuffer.allocate(b.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < b.length; i++) {
            scales[i] = inputScale * ws[i];
            q.putInt((int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, Math.round((double) b[i] / scales[i]))));
        }
        String data = integerConstant(INT32, new long[] {b.length}, q.array());
        String zero = integerConstant(INT32, new long[] {b.length}, new byte[b.length * 4]);
        return node("DequantizeLinear", List.of(data, floats(scales), zero), Map.of("axis", 0L));
    }

    /** Float per s8 step for each index of {@code axis}: its largest magnitude / 127 (1 for an all-zero channel). */
    private static float[] weightScales(INDArray w, int axis) {
        int[] others = java.util.stream.IntStream.range(0, w.rank()).filter(d -> d != axis).toArray();
        float[] largest = org.nd4j.linalg.ops.transforms.Transforms.abs(w.castTo(DataType.FLOAT), true).max(others).toFloatVector();
        float[] scales = new float[largest.length];
        for (int i = 0; i < largest.length; i++) {
            scales[i] = largest[i] == 0 ? 1f : largest[i] / 127f;
        }
        return scales;
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

    private String floats(float[] values) {
        return tensor(org.nd4j.linalg.factory.Nd4j.createFromArray(values));
    }

    /** An initializer of {@code type} (INT8, UINT8 or INT32) from its little-endian bytes. */
    private String integerConstant(int type, long[] shape, byte[] bytes) {
        String name = "q_" + (++counter);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type).setRawData(ByteString.copyFrom(bytes));
        for (long d : shape) {
            t.addDims(d);
        }
        graph.addInitializer(t);
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
