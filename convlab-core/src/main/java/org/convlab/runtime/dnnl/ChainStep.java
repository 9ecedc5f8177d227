package org.convlab.runtime.dnnl;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.batch_normalization_forward;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.inner_product_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.memory.data_type;
import org.bytedeco.dnnl.pooling_forward;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * One layer of an {@link InferencePlan}: what it computes, read from the DL4J configuration and parameters once,
 * and how it becomes oneDNN primitives for one batch size ({@link #build}).
 */
abstract class ChainStep implements AutoCloseable {
    private static final ActivationReLU RELU = new ActivationReLU();

    /** Whether {@code pre} only flattens NCHW maps into rows (which the dense layer after it does itself). */
    static boolean flattens(InputPreProcessor pre) {
        return pre instanceof CnnToFeedForwardPreProcessor p && p.getFormat() == CNN2DFormat.NCHW;
    }

    /** Appends the step(s) of one layer to {@code steps}; false where the plan does not compile it. */
    static boolean add(List<ChainStep> steps, LayerVertex vertex, Map<String, INDArray> params,
                       Map<String, ActivationRange> int8Inputs) {
        InputPreProcessor pre = vertex.getPreProcessor();
        if (pre != null && !flattens(pre)) {
            return false;
        }
        Layer layer = vertex.getLayerConf().getLayer();
        if (layer instanceof DropoutLayer) {
            return true; // nothing at inference
        }
        if (layer.getClass() == ConvolutionLayer.class) {
            ConvolutionLayer c = (ConvolutionLayer) layer;
            Boolean relu = relu(c.getActivationFn());
            if (relu == null || c.getCnn2dDataFormat() != CNN2DFormat.NCHW || c.getConvolutionMode() == ConvolutionMode.Causal) {
                return false;
            }
            steps.add(new Conv(c.getLayerName(), c, params.get("W"), c.hasBias() ? params.get("b") : null, relu,
                    int8Inputs.get(c.getLayerName())));
            return true;
        }
        if (layer instanceof BatchNormalization bn) {
            // DL4J's batch norm layer applies no activation function, whatever its configuration names.
            if (bn.getCnn2DFormat() != CNN2DFormat.NCHW) {
                return false;
            }
            steps.add(new Norm(bn, params));
            return true;
        }
        if (layer.getClass() == SubsamplingLayer.class) {
            SubsamplingLayer s = (SubsamplingLayer) layer;
            boolean plainKind = s.getPoolingType() == PoolingType.MAX || s.getPoolingType() == PoolingType.AVG;
            if (!plainKind || s.getCnn2dDataFormat() != CNN2DFormat.NCHW || s.getDilation()[0] != 1 || s.getDilation()[1] != 1
                    || s.getConvolutionMode() == ConvolutionMode.Causal) {
                return false;
            }
            steps.add(new Pool(s.getPoolingType(), s.getKernelSize(), s.getStride(), s.getPadding(), s.getConvolutionMode(),
                    s.isAvgPoolIncludePadInDivisor()));
            return true;
        }
        if (layer instanceof GlobalPoolingLayer g) {
            if (!(g.getPoolingType() == PoolingType.MAX || g.getPoolingType() == PoolingType.AVG) || !g.isCollapseDimensions()) {
                return false;
            }
            steps.add(new Pool(g.getPoolingType(), null, null, null, ConvolutionMode.Truncate, false));
            return true;
        }
        if (layer instanceof ActivationLayer a) {
            if (relu(a.getActivationFn()) == null) {
                return false;
            }
            if (relu(a.getActivationFn())) {
                steps.add(new Relu());
            }
            return true;
        }
        if (layer.getClass() == DenseLayer.class || layer.getClass() == OutputLayer.class) {
            var ff = (org.deeplearning4j.nn.conf.layers.FeedForwardLayer) layer;
            boolean output = layer instanceof OutputLayer;
            boolean softmax = output && ff.getActivationFn() instanceof ActivationSoftmax;
            Boolean relu = softmax ? Boolean.FALSE : relu(ff.getActivationFn());
            boolean hasBias = layer instanceof DenseLayer dl ? dl.hasBias() : ((OutputLayer) layer).hasBias();
            if (relu == null) {
                return false;
            }
            steps.add(new Dense(params.get("W"), hasBias ? params.get("b") : null, relu, output, softmax,
                    output ? null : int8Inputs.get(layer.getLayerName())));
            return true;
        }
        return false;
    }

    /** TRUE for ReLU, FALSE for identity, null for any other activation. */
    private static Boolean relu(IActivation activation) {
        if (RELU.equals(activation)) {
            return Boolean.TRUE;
        }
        return activation instanceof ActivationIdentity ? Boolean.FALSE : null;
    }

    /**
     * The steps with a batch norm folded into the convolution before it where that convolution has no activation
     * (w * gamma / sqrt(var + eps), (b - mean) * gamma / sqrt(var + eps) + beta), a batch norm after a convolution's
     * ReLU taken into it as two per-channel post-ops (times gamma / sqrt(var + eps), plus beta - mean times that),
     * and a ReLU layer folded into the convolution or dense layer before it as its post-op; in int8, a convolution
     * whose reader is another int8 layer writes that layer's input integers.
     */
    static List<ChainStep> fused(List<ChainStep> steps) {
        List<ChainStep> out = new ArrayList<>();
        for (ChainStep step : steps) {
            ChainStep last = out.isEmpty() ? null : out.get(out.size() - 1);
            if (step instanceof Norm n && last instanceof Conv c && !c.relu) {
                out.set(out.size() - 1, c.folding(n));
            } else if (step instanceof Norm n && last instanceof Conv c && c.normAfter == null) {
                out.set(out.size() - 1, c.followedBy(n));
            } else if (step instanceof Relu && last instanceof Conv c && !c.relu) {
                out.set(out.size() - 1, c.withRelu());
            } else if (step instanceof Relu && last instanceof Dense d && !d.relu && !d.output) {
                out.set(out.size() - 1, d.withRelu());
            } else {
                out.add(step);
            }
        }
        // An int8 convolution read by an int8 layer (through max pools alone) writes that layer's integers.
        for (int i = 0; i < out.size(); i++) {
            int next = i + 1;
            while (next < out.size() && out.get(next) instanceof Pool p && p.kind == PoolingType.MAX) {
                next++;
            }
            if (out.get(i) instanceof Conv c && c.int8 != null && next < out.size() && out.get(next) instanceof Weighted w
                    && w.int8Input != null) {
                out.set(i, c.handingOver(w.int8Input));
            }
        }
        return out;
    }

    boolean isOutput() {
        return false;
    }

    boolean softmaxOutput() {
        return false;
    }

    /** The primitives of this step for the activation at {@code cursor}, which they move on. */
    abstract List<Stage> build(Cursor cursor);

    @Override
    public void close() {
    }

    /** Where the chain stands while it is built: the current activation and the types in play. */
    static final class Cursor {
        memory current;
        /** Integer steps per unit of the current activation where it is u8 or s8 (an int8 hand-over); 1 for floats. */
        float scale = 1f;
        final memory input;
        final data_type activations;
        final boolean directOnly;

        Cursor(memory input, data_type activations, boolean directOnly) {
            this.input = input;
            this.current = input;
            this.activations = activations;
            this.directOnly = directOnly;
        }

        long[] dims() {
            return Dnnl.dims(current.get_desc());
        }

        /**
         * A reorder of the current activation into {@code wanted}, when it is not already in it; integers become
         * floats on the way (divided by their scale) where {@code wanted} is a float type.
         */
        void reorderTo(memory.desc wanted, List<Stage> stages) {
            convert(wanted, Dnnl.integer(wanted.data_type()) ? scale : 1f, stages);
        }

        /** A reorder into {@code wanted}, its values multiplied so that they come out in {@code wantedScale}'s steps. */
        void convert(memory.desc wanted, float wantedScale, List<Stage> stages) {
            if (!current.get_desc().equals(wanted) || wantedScale != scale) {
                copyTo(wanted, wantedScale, stages);
            }
        }

        /** The current activation as floats (plain NCHW where it holds integers), for the layers that compute in float. */
        void floating(List<Stage> stages) {
            if (Dnnl.integer(current.get_desc().data_type())) {
                convert(Dnnl.of(dims(), data_type.f32, dims().length == 4 ? memory.format_tag.nchw : memory.format_tag.ab),
                        1f, stages);
            }
        }

        /** A reorder (or copy) into {@code wanted} when the current activation is the caller's input, never written. */
        void ownCopy(memory.desc wanted, List<Stage> stages) {
            if (current == input) {
                copyTo(wanted, scale, stages);
            }
        }

        /** A primitive that overwrites the current activation, after a copy where that is the caller's input. */
        List<Stage> inPlace(primitive p, Map<Integer, memory> constants) {
            List<Stage> stages = new ArrayList<>();
            ownCopy(current.get_desc(), stages);
            stages.add(Stage.of(p, current, current, constants));
            return stages;
        }

        private void copyTo(memory.desc wanted, float wantedScale, List<Stage> stages) {
            memory to = Dnnl.unbound(wanted);
            float factor = wantedScale / scale;
            reorder r = Dnnl.reorder(current, to, factor == 1f ? null : Int8.scaling(new float[] {factor}, 0));
            stages.add(Stage.of(r, current, to, Map.of()));
            current = to;
            scale = wantedScale;
        }
    }

    /**
     * One primitive: its input and output memories (the same object when it works in place) and its constant
     * arguments. Memories are bound to the plan's buffers by {@link #bind}; a view (no primitive) shares its input's.
     */
    record Stage(primitive primitive, memory src, memory dst, IntMemoryMap args, String layer, String implementation) {
        static Stage of(primitive p, memory src, memory dst, Map<Integer, memory> constants) {
            return of(p, src, dst, constants, null, null);
        }

        /** A stage of a named layer, with the oneDNN implementation it runs on (for checks). */
        static Stage of(primitive p, memory src, memory dst, Map<Integer, memory> constants, String layer, String implementation) {
            IntMemoryMap args = new IntMemoryMap();
            args.put(p instanceof reorder ? dnnl.DNNL_ARG_FROM : dnnl.DNNL_ARG_SRC, src);
            args.put(p instanceof reorder ? dnnl.DNNL_ARG_TO : dnnl.DNNL_ARG_DST, dst);
            constants.forEach(args::put);
            return new Stage(p, src, dst, args, layer, implementation);
        }

        static Stage view(memory src, memory dst) {
            return new Stage(null, src, dst, null, null, null);
        }

        /** Binds every stage's output to the buffer its input is not in (views and in-place stages: the same one). */
        static void bind(List<Stage> stages, memory input, memory[] buffers) {
            Map<memory, Integer> bufferOf = new IdentityHashMap<>();
            bufferOf.put(input, -1);
            for (Stage s : stages) {
                int from = bufferOf.get(s.src);
                int to = s.primitive == null || s.src == s.dst ? from : from == 0 ? 1 : 0;
                if (to >= 0) {
                    s.dst.set_data_handle(buffers[to].get_data_handle());
                } else if (s.dst != input) {
                    throw new IllegalStateException("a view of the input before any primitive");
                }
                bufferOf.put(s.dst, to);
            }
        }
    }

    /** A memory of {@code array}'s float elements, read in place (the array outlives the plan's primitives). */
    static memory floats(INDArray array, long[] dims, memory.format_tag tag) {
        memory m = Dnnl.unbound(Dnnl.plain(dims, tag));
        m.set_data_handle(Dnnl.address(array));
        return m;
    }

    /** A primitive implementation oneDNN answers with its reference code is too slow to plan. */
    static void requireFast(String implementation, String what) {
        if (implementation.startsWith("ref")) {
            throw new IllegalStateException("no fast oneDNN kernel for " + what + " (" + implementation + ")");
        }
    }

    /** Weights reordered once per layout asked for (batch sizes may ask for different ones), freed on close. */
    static final class PackedWeights implements AutoCloseable {
        private final memory user;
        private final List<memory> packed = new ArrayList<>();

        PackedWeights(memory user) {
            this.user = user;
        }

        memory in(memory.desc wanted) {
            return in(wanted, null);
        }

        /** In {@code wanted}, multiplied on the way by {@code scaling}'s scales (int8 weights) when it is not null. */
        memory in(memory.desc wanted, primitive_attr scaling) {
            for (memory m : packed) {
                if (m.get_desc().equals(wanted)) {
                    return m;
                }
            }
            memory copy = new memory(wanted, Dnnl.engine());
            Dnnl.reorder(user, copy, scaling).execute(Dnnl.stream(), user, copy);
            Dnnl.stream()._wait();
            packed.add(copy);
            return copy;
        }

        @Override
        public void close() {
            packed.forEach(Pointer::close);
            packed.clear();
        }
    }

    /** A layer with weights, packed once per layout asked for, and a bias (zeros where the layer has none). */
    abstract static class Weighted extends ChainStep {
        /** Held: packed copies are made from its memory when a shape first asks for a layout. */
        final INDArray weights;
        final INDArray bias;
        final PackedWeights packed;
        final memory biasMemory;
        /** The calibrated range of the layer's input, to multiply in int8; null in float. */
        final ActivationRange int8Input;
        /** The int8 scales and scaled bias, made from the weights as a row per output; null in float. */
        final Int8 int8;

        /** {@code rows}: the weights laid out a row per output where {@code weights} are not (a dense layer's), else null. */
        Weighted(INDArray weights, memory.desc layout, INDArray bias, long outputs, ActivationRange int8Input, INDArray rows) {
            this.weights = weights;
            this.bias = bias == null ? Nd4j.zeros(DataType.FLOAT, outputs) : Dnnl.readable(bias.reshape(outputs));
            memory user = Dnnl.unbound(layout);
            user.set_data_handle(Dnnl.address(weights));
            packed = new PackedWeights(user);
            biasMemory = floats(this.bias, new long[] {outputs}, memory.format_tag.a);
            this.int8Input = int8Input;
            this.int8 = int8Input == null ? null : new Int8(rows != null ? rows : weights, this.bias, int8Input, null);
        }

        /** The input type of the int8 kernel. */
        data_type int8Type() {
            return int8.inputType;
        }

        @Override
        public void close() {
            packed.close();
            biasMemory.close();
            if (int8 != null) {
                int8.scaledBias.close();
            }
        }
    }

    /** A 2-D convolution (ReLU as its post-op), its weights packed per layout. */
    static final class Conv extends Weighted {
        private final String name;
        private final ConvolutionLayer conf;
        private final boolean relu;
        /** A batch norm after the ReLU, applied as post-ops where oneDNN takes them, else as a step of its own. */
        private final Norm normAfter;
        /** In int8, the range of the next int8 layer's input, whose integers this one writes; else null. */
        private final ActivationRange handOver;

        Conv(String name, ConvolutionLayer conf, INDArray weights, INDArray bias, boolean relu, ActivationRange int8Input) {
            this(name, conf, weights, bias, relu, null, int8Input, null);
        }

        private Conv(String name, ConvolutionLayer conf, INDArray weights, INDArray bias, boolean relu, Norm normAfter,
                     ActivationRange int8Input, ActivationRange handOver) {
            // A convolution's weights [out, in, kh, kw] are already a row per output.
            super(Dnnl.readable(weights), Dnnl.plain(weights.shape(), memory.format_tag.oihw), bias, weights.size(0), int8Input,
                    null);
            this.name = name;
            this.conf = conf;
            this.normAfter = normAfter;
            this.relu = relu;
            this.handOver = handOver;
        }

        Conv folding(Norm n) {
            INDArray scale = n.scale();
            INDArray w = weights.mul(scale.reshape(scale.length(), 1, 1, 1));
            INDArray b = bias.sub(n.mean).mul(scale).add(n.beta);
            return new Conv(name, conf, w, b, relu, null, int8Input, handOver);
        }

        Conv withRelu() {
            return new Conv(name, conf, weights, bias, true, normAfter, int8Input, handOver);
        }

        Conv followedBy(Norm n) {
            return new Conv(name, conf, weights, bias, relu, n, int8Input, handOver);
        }

        Conv handingOver(ActivationRange next) {
            return new Conv(name, conf, weights, bias, relu, normAfter, int8Input, next);
        }

        @Override
        List<Stage> build(Cursor cursor) {
            long[] in = cursor.dims();
            long oc = weights.size(0);
            int[] k = conf.getKernelSize();
            int[] s = conf.getStride();
            int[] d = conf.getDilation();
            long[][] geometry = Windows.of(in, k, s, conf.getPadding(), d, conf.getConvolutionMode());
            long[] out = {in[0], oc, geometry[0][0], geometry[0][1]};
            if (int8 != null) {
                try {
                    return fused(cursor, in, out, geometry, true);
                } catch (RuntimeException noFastInt8Kernel) {
                    // This geometry runs in float, as the layer-by-layer path runs it.
                }
            }
            return fused(cursor, in, out, geometry, false);
        }

        private List<Stage> fused(Cursor cursor, long[] in, long[] out, long[][] geometry, boolean quantized) {
            if (normAfter != null) {
                try {
                    return build(cursor, in, out, geometry, true, quantized);
                } catch (RuntimeException noFusedKernel) {
                    List<Stage> stages = new ArrayList<>(build(cursor, in, out, geometry, false, quantized));
                    stages.addAll(normAfter.build(cursor));
                    return stages;
                }
            }
            return build(cursor, in, out, geometry, false, quantized);
        }

        /**
         * The convolution's primitive and the reorder into it. Quantized: u8/s8 input at the calibrated scale, s8
         * weights per output channel, int32 sums scaled back to floats before the post-ops, and, where it hands
         * over, a last post-op that scales onto the next layer's integers (which the output then holds).
         */
        private List<Stage> build(Cursor cursor, long[] in, long[] out, long[][] geometry, boolean withNorm, boolean quantized) {
            long oc = out[1];
            int[] s = conf.getStride();
            int[] d = conf.getDilation();
            // A batch norm run as a step of its own reads floats: no hand-over then.
            ActivationRange next = quantized && (withNorm || normAfter == null) ? handOver : null;
            data_type type = quantized ? int8Type() : cursor.activations;
            data_type weightType = quantized ? data_type.s8 : type;
            data_type outType = next != null ? (next.unsigned() ? data_type.u8 : data_type.s8)
                    : quantized ? data_type.f32 : type;
            primitive_attr attr = new primitive_attr();
            if (quantized) {
                attr.set_output_scales(1 << 1, int8.outputScales);
            }
            post_ops ops = new post_ops();
            if (relu) {
                ops.append_eltwise(1f, dnnl.algorithm.eltwise_relu, 0f, 0f);
            }
            memory.desc perChannel = Dnnl.plain(new long[] {1, oc, 1, 1}, memory.format_tag.nchw);
            if (withNorm) {
                ops.append_binary(dnnl.algorithm.binary_mul, perChannel);
                ops.append_binary(dnnl.algorithm.binary_add, perChannel);
            }
            if (next != null) {
                ops.append_eltwise(1f, dnnl.algorithm.eltwise_linear, next.scale(), 0f);
            }
            attr.set_post_ops(ops);
            long[] dilation = {d[0] - 1, d[1] - 1};
            long[] strides = {s[0], s[1]};
            long[] weightDims = weights.shape();
            boolean f32 = type.value == data_type.f32.value;
            dnnl.algorithm algorithm = cursor.directOnly ? dnnl.algorithm.convolution_direct
                    : DnnlConvolution.Forward.winogradPays(in[1], out[2] * out[3], f32)
                    ? dnnl.algorithm.convolution_winograd : dnnl.algorithm.convolution_direct;
            convolution_forward.primitive_desc pd;
            try {
                pd = new convolution_forward.primitive_desc(new convolution_forward.desc(dnnl.prop_kind.forward_inference,
                        algorithm, Dnnl.of(in, type, memory.format_tag.any), Dnnl.of(weightDims, weightType, memory.format_tag.any),
                        Dnnl.plain(new long[] {oc}, memory.format_tag.x), Dnnl.of(out, outType, memory.format_tag.any),
                        strides, dilation, geometry[1], geometry[2]), attr, Dnnl.engine());
            } catch (RuntimeException noWinograd) {
                pd = new convolution_forward.primitive_desc(new convolution_forward.desc(dnnl.prop_kind.forward_inference,
                        dnnl.algorithm.convolution_direct, Dnnl.of(in, type, memory.format_tag.any),
                        Dnnl.of(weightDims, weightType, memory.format_tag.any), Dnnl.plain(new long[] {oc}, memory.format_tag.x),
                        Dnnl.of(out, outType, memory.format_tag.any), strides, dilation, geometry[1], geometry[2]), attr, Dnnl.engine());
            }
            requireFast(pd.impl_info_str().getString(), "convolution " + java.util.Arrays.toString(in) + " -> " + oc);
            List<Stage> stages = new ArrayList<>();
            cursor.convert(pd.src_desc(), quantized ? int8.inputScale : 1f, stages);
            memory dst = Dnnl.unbound(pd.dst_desc());
            Map<Integer, memory> constants = new java.util.HashMap<>(Map.of(
                    dnnl.DNNL_ARG_WEIGHTS, quantized ? packed.in(pd.weights_desc(), Int8.scaling(int8.weightScales, 0))
                            : packed.in(pd.weights_desc()),
                    dnnl.DNNL_ARG_BIAS, quantized ? int8.scaledBias : biasMemory));
            if (withNorm) {
                int first = relu ? 1 : 0; // the post-ops' positions after the ReLU
                constants.put(postOpArgument(first), normAfter.postOpScale);
                constants.put(postOpArgument(first + 1), normAfter.postOpShift);
            }
            stages.add(Stage.of(new convolution_forward(pd), cursor.current, dst, constants, name, pd.impl_info_str().getString()));
            cursor.current = dst;
            cursor.scale = next != null ? next.scale() : 1f;
            return stages;
        }

        /** The argument number of the second operand of post-op {@code index} (oneDNN's DNNL_ARG_ATTR_MULTIPLE_POST_OP). */
        private static int postOpArgument(int index) {
            return dnnl.DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE * (index + 1) | dnnl.DNNL_ARG_SRC_1;
        }

        @Override
        public String toString() {
            return "conv2d" + (relu ? "+relu" : "") + (normAfter != null ? "+batch_norm" : "") + (int8 != null ? " int8" : "")
                    + (handOver != null ? " (hands over integers)" : "");
        }
    }

    /** Batch norm over the running statistics, in place, in whatever layout the activation travels. */
    static final class Norm extends ChainStep {
        private final float eps;
        private final INDArray gamma;
        private final INDArray beta;
        private final INDArray mean;
        private final INDArray variance;
        private final memory[] wrappers;
        private final INDArray postOpScaleValues;
        private final INDArray postOpShiftValues;
        /** Per-channel factor and term of the same normalisation, as a convolution's post-ops read them. */
        final memory postOpScale;
        final memory postOpShift;

        Norm(BatchNormalization conf, Map<String, INDArray> params) {
            eps = (float) conf.getEps();
            mean = vector(params.get("mean"));
            // With useLogStd DL4J keeps log10 of sqrt(var + eps) instead of the variance.
            variance = conf.isUseLogStd() ? varianceOf(vector(params.get("log10stdev")), eps) : vector(params.get("var"));
            long c = mean.length();
            gamma = conf.isLockGammaBeta() ? Nd4j.valueArrayOf(new long[] {c}, (float) conf.getGamma()) : vector(params.get("gamma"));
            beta = conf.isLockGammaBeta() ? Nd4j.valueArrayOf(new long[] {c}, (float) conf.getBeta()) : vector(params.get("beta"));
            INDArray scale = scale();
            postOpScaleValues = scale.reshape(1, c, 1, 1).dup('c');
            postOpShiftValues = beta.sub(mean.mul(scale)).reshape(1, c, 1, 1).dup('c');
            postOpScale = floats(postOpScaleValues, new long[] {1, c, 1, 1}, memory.format_tag.nchw);
            postOpShift = floats(postOpShiftValues, new long[] {1, c, 1, 1}, memory.format_tag.nchw);
            long[] dims = {c};
            wrappers = new memory[] {floats(gamma, dims, memory.format_tag.x), floats(beta, dims, memory.format_tag.x),
                floats(mean, dims, memory.format_tag.x), floats(variance, dims, memory.format_tag.x)};
        }

        @Override
        public void close() {
            for (memory m : wrappers) {
                m.close();
            }
            postOpScale.close();
            postOpShift.close();
        }

        /** The variance a log10 standard deviation stands for: (10^l)^2 - eps. */
        private static INDArray varianceOf(INDArray log10Std, float eps) {
            float[] l = log10Std.toFloatVector();
            float[] v = new float[l.length];
            for (int i = 0; i < l.length; i++) {
                double std = Math.pow(10, l[i]);
                v[i] = (float) (std * std - eps);
            }
            return Nd4j.create(v);
        }

        private static INDArray vector(INDArray p) {
            return p.reshape(p.length()).castTo(DataType.FLOAT).dup('c');
        }

        /** gamma / sqrt(var + eps), per channel. */
        INDArray scale() {
            return gamma.div(Transforms.sqrt(variance.add(eps), true));
        }

        @Override
        List<Stage> build(Cursor cursor) {
            List<Stage> stages = new ArrayList<>();
            cursor.floating(stages);
            memory.desc data = cursor.current.get_desc();
            int flags = dnnl.normalization_flags.use_global_stats.value | dnnl.normalization_flags.use_scale.value
                    | dnnl.normalization_flags.use_shift.value;
            batch_normalization_forward.primitive_desc pd = new batch_normalization_forward.primitive_desc(
                    new batch_normalization_forward.desc(dnnl.prop_kind.forward_inference.value, data, eps, flags), Dnnl.engine());
            requireFast(pd.impl_info_str().getString(), "batch norm");
            stages.addAll(cursor.inPlace(new batch_normalization_forward(pd), Map.of(
                    dnnl.DNNL_ARG_SCALE, wrappers[0], dnnl.DNNL_ARG_SHIFT, wrappers[1],
                    dnnl.DNNL_ARG_MEAN, wrappers[2], dnnl.DNNL_ARG_VARIANCE, wrappers[3])));
            return stages;
        }

        @Override
        public String toString() {
            return "batch_norm";
        }
    }

    /** Max or average pooling; a null kernel pools each whole map (global pooling). */
    static final class Pool extends ChainStep {
        private final PoolingType kind;
        private final int[] kernel;
        private final int[] stride;
        private final int[] padding;
        private final ConvolutionMode mode;
        private final boolean padInDivisor;

        Pool(PoolingType kind, int[] kernel, int[] stride, int[] padding, ConvolutionMode mode, boolean padInDivisor) {
            this.kind = kind;
            this.kernel = kernel;
            this.stride = stride;
            this.padding = padding;
            this.mode = mode;
            this.padInDivisor = padInDivisor;
        }

        @Override
        List<Stage> build(Cursor cursor) {
            long[] in = cursor.dims();
            int[] k = kernel != null ? kernel : new int[] {(int) in[2], (int) in[3]};
            int[] s = stride != null ? stride : k;
            long[][] geometry = Windows.of(in, k, s, padding != null ? padding : new int[] {0, 0}, new int[] {1, 1}, mode);
            long[] out = {in[0], in[1], geometry[0][0], geometry[0][1]};
            boolean padded = geometry[1][0] + geometry[1][1] + geometry[2][0] + geometry[2][1] > 0;
            dnnl.algorithm algorithm = kind == PoolingType.MAX ? dnnl.algorithm.pooling_max
                    : padded && padInDivisor ? dnnl.algorithm.pooling_avg_include_padding : dnnl.algorithm.pooling_avg_exclude_padding;
            memory.desc src = cursor.current.get_desc();
            pooling_forward.primitive_desc pd = new pooling_forward.primitive_desc(new pooling_forward.desc(
                    dnnl.prop_kind.forward_inference.value, algorithm.value, src, Dnnl.of(out, src.data_type(), memory.format_tag.any),
                    new long[] {s[0], s[1]}, new long[] {k[0], k[1]}, geometry[1], geometry[2]), Dnnl.engine());
            requireFast(pd.impl_info_str().getString(), "pooling");
            memory dst = Dnnl.unbound(pd.dst_desc());
            Stage stage = Stage.of(new pooling_forward(pd), cursor.current, dst, Map.of());
            cursor.current = dst;
            return List.of(stage);
        }

        @Override
        public String toString() {
            return (kind == PoolingType.MAX ? "max" : "avg") + (kernel == null ? "_global" : "") + "_pool";
        }
    }

    /** A ReLU no layer before it could take as a post-op, in place. */
    static final class Relu extends ChainStep {
        @Override
        List<Stage> build(Cursor cursor) {
            List<Stage> stages = new ArrayList<>();
            cursor.floating(stages);
            memory.desc data = cursor.current.get_desc();
            eltwise_forward.primitive_desc pd = new eltwise_forward.primitive_desc(new eltwise_forward.desc(
                    dnnl.prop_kind.forward_inference, dnnl.algorithm.eltwise_relu, data, 0f, 0f), Dnnl.engine());
            stages.addAll(cursor.inPlace(new eltwise_forward(pd), Map.of()));
            return stages;
        }

        @Override
        public String toString() {
            return "relu";
        }
    }

    /**
     * A dense or output layer: an inner product on the flattened activation (in NCHW order, as DL4J flattens),
     * ReLU as its post-op; the output layer writes float and leaves its softmax to the plan.
     */
    static final class Dense extends Weighted {
        private final boolean relu;
        private final boolean output;
        private final boolean softmax;

        Dense(INDArray weights, INDArray bias, boolean relu, boolean output, boolean softmax, ActivationRange int8Input) {
            // DL4J keeps W as [in, out]; oneDNN reads [out, in]: the same elements through swapped strides.
            super(weights, new memory.desc(new long[] {weights.columns(), weights.rows()}, data_type.f32,
                    new long[] {weights.stride(1), weights.stride(0)}), bias, weights.columns(), int8Input,
                    int8Input == null ? null : weights.transpose().dup('c'));
            this.relu = relu;
            this.output = output;
            this.softmax = softmax;
        }

        Dense withRelu() {
            return new Dense(weights, bias, true, output, softmax, int8Input);
        }

        /** This layer as the chain's last: it writes float, its activation applied. */
        Dense asOutput() {
            return output ? this : new Dense(weights, bias, relu, true, false, int8Input);
        }

        @Override
        boolean isOutput() {
            return output;
        }

        @Override
        boolean softmaxOutput() {
            return softmax;
        }

        @Override
        List<Stage> build(Cursor cursor) {
            if (int8 != null) {
                try {
                    return build(cursor, true);
                } catch (RuntimeException noFastInt8Kernel) {
                    // This layer runs in float, as the layer-by-layer path runs it.
                }
            }
            return build(cursor, false);
        }

        /** Quantized: u8/s8 rows at the calibrated scale, s8 weights per output, float output. */
        private List<Stage> build(Cursor cursor, boolean quantized) {
            long[] in = cursor.dims();
            long nIn = weights.rows();
            long nOut = weights.columns();
            data_type type = quantized ? int8Type() : cursor.activations;
            primitive_attr attr = new primitive_attr();
            if (quantized) {
                attr.set_output_scales(1 << 1, int8.outputScales);
            }
            if (relu) {
                post_ops ops = new post_ops();
                ops.append_eltwise(1f, dnnl.algorithm.eltwise_relu, 0f, 0f);
                attr.set_post_ops(ops);
            }
            data_type outType = output || quantized ? data_type.f32 : type;
            inner_product_forward.primitive_desc pd = new inner_product_forward.primitive_desc(new inner_product_forward.desc(
                    dnnl.prop_kind.forward_inference.value, Dnnl.of(new long[] {in[0], nIn}, type, memory.format_tag.ab),
                    Dnnl.of(new long[] {nOut, nIn}, quantized ? data_type.s8 : type, memory.format_tag.any),
                    Dnnl.plain(new long[] {nOut}, memory.format_tag.a),
                    Dnnl.of(new long[] {in[0], nOut}, outType, memory.format_tag.ab)), attr, Dnnl.engine());
            requireFast(pd.impl_info_str().getString(), "dense layer " + nIn + " -> " + nOut);
            List<Stage> stages = new ArrayList<>();
            if (in.length == 4) {
                // Flatten: NCHW order in a plain buffer, then the same bytes seen as [N, C*H*W].
                data_type current = cursor.current.get_desc().data_type();
                cursor.reorderTo(Dnnl.of(in, current, memory.format_tag.nchw), stages);
                cursor.ownCopy(Dnnl.of(in, current, memory.format_tag.nchw), stages);
                memory flat = Dnnl.unbound(Dnnl.of(new long[] {in[0], nIn}, current, memory.format_tag.ab));
                stages.add(Stage.view(cursor.current, flat));
                cursor.current = flat;
            }
            cursor.convert(pd.src_desc(), quantized ? int8.inputScale : 1f, stages);
            memory dst = Dnnl.unbound(pd.dst_desc());
            stages.add(Stage.of(new inner_product_forward(pd), cursor.current, dst, Map.of(
                    dnnl.DNNL_ARG_WEIGHTS, quantized ? packed.in(pd.weights_desc(), Int8.scaling(int8.weightScales, 0))
                            : packed.in(pd.weights_desc()),
                    dnnl.DNNL_ARG_BIAS, quantized ? int8.scaledBias : biasMemory)));
            cursor.current = dst;
            cursor.scale = 1f;
            return stages;
        }

        @Override
        public String toString() {
            return (output ? "output" : "dense") + (relu ? "+relu" : softmax ? "+softmax" : "") + (int8 != null ? " int8" : "");
        }
    }

    /** Output size and padding of a sliding window, as DL4J computes them for each convolution mode. */
    static final class Windows {
        private Windows() {
        }

        /** {out[h, w], padTopLeft[h, w], padBottomRight[h, w]} for an NCHW input of dims {@code in}. */
        static long[][] of(long[] in, int[] kernel, int[] stride, int[] pad, int[] dilation, ConvolutionMode mode) {
            long[] out = new long[2];
            long[] left = new long[2];
            long[] right = new long[2];
            for (int i = 0; i < 2; i++) {
                long size = in[2 + i];
                long span = (long) (kernel[i] - 1) * dilation[i] + 1;
                if (mode == ConvolutionMode.Same) {
                    out[i] = (size + stride[i] - 1) / stride[i];
                    left[i] = Math.max(0, ((out[i] - 1) * stride[i] + span - size) / 2);
                } else {
                    out[i] = (size + 2L * pad[i] - span) / stride[i] + 1;
                    left[i] = pad[i];
                }
                // Truncate drops what does not fit: the right padding is whatever makes the output size come out.
                right[i] = Math.max(0, (out[i] - 1) * stride[i] + span - size - left[i]);
            }
            return new long[][] {out, left, right};
        }
    }
}
