package org.convlab.runtime.dnnl;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.memory.data_type;
import org.bytedeco.dnnl.global.dnnl;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdDataAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdFilterAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.FwdAlgo;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionHelper;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A DL4J {@link ConvolutionHelper} that runs 2-D convolutions (NCHW, float) on oneDNN directly.
 *
 * <p>DL4J's own oneDNN helper goes through libnd4j, which builds the primitives on every call,
 * copies each activation into oneDNN's blocked layout in freshly allocated memory and back, and
 * always computes the input gradient. Here the primitives are built once per input shape, the
 * blocked copies live in reused per-thread {@link Scratch} buffers, and a layer fed straight
 * from the network's input skips the input gradient nobody reads. The arithmetic is oneDNN's
 * either way, so results agree with DL4J's helper to float rounding.
 *
 * <p>On larger maps the algorithm is oneDNN's choice ({@code convolution_auto}), which on AVX-512
 * takes Winograd's F(4x4, 3x3) for most float 3x3 stride-1 layers while training: about 2.25x
 * fewer multiplications than direct convolution, at a float rounding error a few times larger
 * (fruits-cnn at 100x100, batch 32: 78 -> 103 training images/s); see {@link Geometry#algorithm}.
 * Frozen graphs ask for it in inference too, where oneDNN would not ({@link Forward#prefersWinograd}).
 *
 * <p>In bfloat16 mode the convolutions multiply in bf16 (the input, weights and output gradient
 * are rounded to bf16 on the way in) and accumulate and write in float: the network's arrays,
 * master weights and their gradients stay float, as in PyTorch's CPU autocast. A geometry oneDNN
 * has no fast bf16 kernel for (its reference implementation answers) runs in float instead.
 *
 * <p>A frozen layer given its input's calibrated range multiplies 8-bit integers instead ({@link Int8}):
 * the input is scaled and rounded to u8 or s8 on its way into the kernel's layout, the weights once to
 * s8 per output channel, and the int32 sums come out as floats (bias and ReLU applied), so the layers
 * around it are untouched; or, when its only reader is another int8 convolution, as that layer's input
 * integers (its {@code int8Output} range; the two share a link of that integer type). A geometry without
 * a fast int8 kernel runs in float, except on an integer link, where oneDNN's reference int8 kernel keeps
 * the hand-over exact.
 */
final class DnnlConvolution implements ConvolutionHelper {
    private final boolean inputGradient;
    private final boolean hasBias;
    private final boolean bf16;
    private final boolean frozen;
    private final boolean directOnly;
    private final ActivationRange int8Input;
    private final ActivationRange int8Output;
    private final LayoutLink in;
    private final LayoutLink out;
    private final Map<Geometry, Forward> forwards = new HashMap<>();
    private final Map<Geometry, Backward> backwards = new HashMap<>();
    private int forwardPasses;

    /**
     * @param inputGradient whether backprop must produce the gradient at the layer's input
     *                      (false for a first layer, whose input is data)
     * @param hasBias       whether the layer has a bias (DL4J passes zeros when it has not)
     * @param in            the link to the convolution this layer reads from, or null (plain NCHW input)
     * @param out           the link to the convolution that alone reads this layer's output, or null
     * @param bf16          whether to multiply in bfloat16 (the CPU must have AVX512_BF16)
     * @param frozen        whether the weights never change (an inference-only graph): they are then
     *                      reordered into the kernel's layout once, not on every call, and backprop is refused
     * @param int8Input     the range of a frozen layer's input, to multiply in int8; null for float (or bf16)
     * @param int8Output    with {@code int8Input}, the range of the next int8 layer's input, when that layer alone
     *                      reads this one's output through {@code out} (a u8 or s8 link); else null (float output)
     * @param directOnly    whether every pass runs oneDNN's direct algorithm (no Winograd), to compare like with like
     */
    DnnlConvolution(boolean inputGradient, boolean hasBias, LayoutLink in, LayoutLink out, boolean bf16,
                    boolean frozen, ActivationRange int8Input, ActivationRange int8Output, boolean directOnly) {
        if (int8Input != null && !frozen) {
            throw new IllegalArgumentException("int8 convolutions are for frozen (inference-only) graphs");
        }
        if (int8Output != null && (int8Input == null || out == null || !Dnnl.integer(out.type()))) {
            throw new IllegalArgumentException("an int8 output needs an int8 layer and an integer link to its reader");
        }
        this.int8Input = int8Input;
        this.int8Output = int8Output;
        this.inputGradient = inputGradient;
        this.hasBias = hasBias;
        this.bf16 = bf16;
        this.frozen = frozen;
        this.directOnly = directOnly;
        this.in = in;
        this.out = out;
    }

    /** The link this layer's output travels through to the next convolution, or null. */
    LayoutLink outputLink() {
        return out;
    }

    /** How many forward convolutions this layer has run (for checks). */
    int forwardPasses() {
        return forwardPasses;
    }

    /** How many of the geometries this layer trained on took their weight gradient as a swapped forward pass (for checks). */
    long swappedWeightGradients() {
        return backwards.values().stream().filter(b -> b.swapped != null).count();
    }

    /** Whether backprop produces the gradient at the layer's input. */
    boolean computesInputGradient() {
        return inputGradient;
    }

    @Override
    public boolean checkSupported() {
        return true;
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return Collections.emptyMap();
    }

    @Override
    public INDArray preOutput(INDArray input, INDArray weights, INDArray bias, int[] kernel, int[] strides, int[] pad,
                              AlgoMode mode, FwdAlgo fwdAlgo, ConvolutionMode convolutionMode, int[] dilation,
                              CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (!supported(input, weights, format)) {
            return null;
        }
        return convolve(input, weights, bias, strides, pad, dilation, convolutionMode, false, workspaceMgr);
    }

    /**
     * Convolves {@code input} into a new activations array, applying ReLU to the sums on the way
     * out when {@code relu} is set (a oneDNN post-op: no second pass over the output).
     */
    INDArray convolve(INDArray input, INDArray weights, INDArray bias, int[] strides, int[] pad, int[] dilation,
                      ConvolutionMode convolutionMode, boolean relu, LayerWorkspaceMgr workspaceMgr) {
        Geometry g = Geometry.of(input, weights, strides, pad, dilation, convolutionMode, relu);
        Forward f = forwards.computeIfAbsent(g, key -> forward(key, weights, bias));
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, g.outputShape(), 'c');
        f.run(Dnnl.readable(input), Dnnl.readable(weights), Dnnl.readable(bias), out);
        forwardPasses++;
        return out;
    }

    private Forward forward(Geometry g, INDArray weights, INDArray bias) {
        if (int8Input != null) {
            Forward quantized = new Forward(g, algorithm(g), in, out, data_type.s8, frozen,
                    new Int8(Dnnl.readable(weights), hasBias ? bias : null, int8Input, int8Output));
            boolean integerLink = (in != null && Dnnl.integer(in.type())) || (out != null && Dnnl.integer(out.type()));
            if (integerLink || !quantized.implementation().startsWith("ref")) {
                return quantized;
            }
        }
        if (bf16) {
            Forward narrow = new Forward(g, algorithm(g), in, out, data_type.bf16, frozen, null);
            if (!narrow.implementation().startsWith("ref")) {
                return narrow;
            }
        }
        return new Forward(g, algorithm(g), in, out, data_type.f32, frozen, null);
    }

    /**
     * The algorithm asked of oneDNN: direct when asked for; else its own choice on maps of 32x32 and more, where on
     * AVX-512 it takes Winograd for 3x3 stride-1 layers, and direct on smaller maps. There Winograd gained 6% in
     * `bench` at 28x28 (batch 64), but the main job's test accuracy was 0.9211 with it and 0.9255 without (one run
     * each), too close to its 0.92 bar for the gain.
     */
    private dnnl.algorithm algorithm(Geometry g) {
        return !directOnly && g.oh * g.ow >= 32 * 32 ? dnnl.algorithm.convolution_auto : dnnl.algorithm.convolution_direct;
    }

    /** The oneDNN implementation each geometry's forward pass runs on, e.g. "brg:avx512_core_bf16" (for checks). */
    Map<Geometry, String> implementations() {
        Map<Geometry, String> names = new HashMap<>();
        forwards.forEach((g, f) -> names.put(g, f.implementation()));
        return names;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray weights, INDArray bias, INDArray delta,
                                                     int[] kernel, int[] strides, int[] pad, INDArray biasGradView,
                                                     INDArray weightGradView, IActivation afn, AlgoMode mode,
                                                     BwdFilterAlgo bwdFilterAlgo, BwdDataAlgo bwdDataAlgo,
                                                     ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format,
                                                     LayerWorkspaceMgr workspaceMgr) {
        if (!supported(input, weights, format) || !Dnnl.dense(weightGradView) || !Dnnl.dense(biasGradView)) {
            return null;
        }
        return gradients(input, weights, delta, strides, pad, dilation, convolutionMode, biasGradView, weightGradView,
                workspaceMgr);
    }

    /**
     * The weight and bias gradients, written into the layer's gradient views, and the gradient at
     * the input (null for a layer fed by data), from {@code delta}, the gradient at the sums.
     */
    Pair<Gradient, INDArray> gradients(INDArray input, INDArray weights, INDArray delta, int[] strides, int[] pad,
                                       int[] dilation, ConvolutionMode convolutionMode, INDArray biasGradView,
                                       INDArray weightGradView, LayerWorkspaceMgr workspaceMgr) {
        if (frozen) {
            throw new IllegalStateException(DnnlHelpers.FROZEN);
        }
        // The backward primitives depend on the geometry alone, not on a post-op of the forward pass.
        Geometry g = Geometry.of(input, weights, strides, pad, dilation, convolutionMode, false);
        Backward b = backwards.computeIfAbsent(g, key -> new Backward(key, forwards.computeIfAbsent(key, k -> forward(k, weights, null))));
        INDArray gradAtInput = inputGradient
                ? workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c')
                : null;
        b.run(Dnnl.readable(input), Dnnl.readable(weights), Dnnl.readable(delta), weightGradView, biasGradView, gradAtInput);

        Gradient gradient = new DefaultGradient();
        if (hasBias) {
            gradient.gradientForVariable().put(ConvolutionParamInitializer.BIAS_KEY, biasGradView);
        }
        gradient.gradientForVariable().put(ConvolutionParamInitializer.WEIGHT_KEY, weightGradView);
        return new Pair<>(gradient, gradAtInput);
    }

    @Override
    public INDArray activate(INDArray z, IActivation afn, boolean training) {
        return afn.getActivation(z, training);
    }

    private static boolean supported(INDArray input, INDArray weights, CNN2DFormat format) {
        return format == CNN2DFormat.NCHW && input.dataType() == DataType.FLOAT && weights.dataType() == DataType.FLOAT;
    }

    /** Everything a primitive depends on: shapes, strides, padding, dilation, and a ReLU applied on the way out. */
    record Geometry(long n, long c, long h, long w, long oc, long kh, long kw, long oh, long ow,
                    long[] strides, long[] padLeft, long[] padRight, long[] dilation, boolean relu) {

        static Geometry of(INDArray input, INDArray weights, int[] strides, int[] pad, int[] dilation,
                           ConvolutionMode mode, boolean relu) {
            long n = input.size(0), c = input.size(1), h = input.size(2), w = input.size(3);
            long oc = weights.size(0), kh = weights.size(2), kw = weights.size(3);
            int[] kernel = {(int) kh, (int) kw};
            int[] out;
            int[] padTopLeft;
            if (mode == ConvolutionMode.Same) {
                out = ConvolutionUtils.getOutputSize(input, kernel, strides, null, mode, dilation, CNN2DFormat.NCHW);
                padTopLeft = ConvolutionUtils.getSameModeTopLeftPadding(out, new int[] {(int) h, (int) w}, kernel,
                        strides, dilation);
            } else {
                out = ConvolutionUtils.getOutputSize(input, kernel, strides, pad, mode, dilation, CNN2DFormat.NCHW);
                padTopLeft = pad;
            }
            long[] padRight = new long[2];
            long[] sizes = {h, w};
            for (int i = 0; i < 2; i++) {
                long span = (long) (out[i] - 1) * strides[i] + (long) (kernel[i] - 1) * dilation[i] + 1;
                // Truncate mode drops what does not fit: the right padding is whatever makes the
                // output size come out, never negative.
                padRight[i] = Math.max(0, span - sizes[i] - padTopLeft[i]);
            }
            return new Geometry(n, c, h, w, oc, kh, kw, out[0], out[1],
                    new long[] {strides[0], strides[1]}, new long[] {padTopLeft[0], padTopLeft[1]}, padRight,
                    new long[] {dilation[0] - 1, dilation[1] - 1}, relu);
        }

        long[] inputShape() {
            return new long[] {n, c, h, w};
        }

        long[] outputShape() {
            return new long[] {n, oc, oh, ow};
        }

        long[] weightShape() {
            return new long[] {oc, c, kh, kw};
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Geometry g && n == g.n && c == g.c && h == g.h && w == g.w && oc == g.oc && kh == g.kh
                    && kw == g.kw && oh == g.oh && ow == g.ow && Arrays.equals(strides, g.strides)
                    && Arrays.equals(padLeft, g.padLeft) && Arrays.equals(padRight, g.padRight)
                    && Arrays.equals(dilation, g.dilation) && relu == g.relu;
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(new long[] {n, c, h, w, oc, kh, kw, oh, ow, strides[0], strides[1], padLeft[0],
                padLeft[1], padRight[0], padRight[1], dilation[0], dilation[1], relu ? 1 : 0});
        }
    }

    /**
     * The forward convolution for one geometry: the layer's arrays (NCHW, or the layout a link
     * agreed) in and out, oneDNN's preferred layout inside.
     */
    static final class Forward {
        final convolution_forward.primitive_desc pd;
        /** The type the multiplications read: f32, bf16 with float accumulation and output, or s8 (int8 layers). */
        final data_type multiplied;
        /** An int8 layer's scales and scaled bias; null in float and bf16. */
        private final Int8 int8;
        /** Whether the weights are constant, so their reordered copy is made on the first call only. */
        private final boolean frozen;
        /** The weights array the packed copy was made from (held so that its memory stays while it is read). */
        private INDArray packedFrom;
        private final convolution_forward conv;
        private final IntMemoryMap args = new IntMemoryMap();
        private final Operand src;
        private final Operand weights;
        private final memory bias;
        private final Operand dst;

        Forward(Geometry g, dnnl.algorithm algorithm, LayoutLink in, LayoutLink out, data_type multiplied, boolean frozen,
                Int8 int8) {
            this.multiplied = multiplied;
            this.frozen = frozen;
            this.int8 = int8;
            primitive_attr attr = new primitive_attr();
            if (int8 != null) {
                attr.set_output_scales(1 << 1, int8.outputScales);
            }
            if (g.relu) {
                post_ops ops = new post_ops();
                ops.append_eltwise(1f, dnnl.algorithm.eltwise_relu, 0f, 0f);
                attr.set_post_ops(ops);
            }
            convolution_forward.primitive_desc chosen = null;
            if (frozen && algorithm.value != dnnl.algorithm.convolution_direct.value && prefersWinograd(g, multiplied)) {
                try {
                    chosen = new convolution_forward.primitive_desc(desc(g, out, dnnl.algorithm.convolution_winograd), attr,
                            Dnnl.engine());
                } catch (RuntimeException notImplemented) {
                    // No Winograd kernel for this geometry or CPU (it needs AVX-512): oneDNN's own choice below.
                }
            }
            pd = chosen != null ? chosen
                    : new convolution_forward.primitive_desc(desc(g, out, algorithm), attr, Dnnl.engine());
            conv = new convolution_forward(pd);
            // Floats are quantized on the way in; integers from an integer link only change layout, if that.
            boolean quantizes = int8 != null && !(in != null && Dnnl.integer(in.type()));
            src = new Operand(LayoutLink.layout(in, g.inputShape()), pd.src_desc(), Scratch.Slot.SRC,
                    quantizes ? Int8.scaling(new float[] {int8.inputScale}, 0) : null);
            weights = new Operand(Dnnl.plain(g.weightShape(), memory.format_tag.oihw), pd.weights_desc(), null,
                    int8 == null ? null : Int8.scaling(int8.weightScales, 0));
            bias = Dnnl.unbound(pd.bias_desc());
            if (out != null) {
                out.offer(g.outputShape(), pd.dst_desc());
            }
            dst = new Operand(LayoutLink.layout(out, g.outputShape()), pd.dst_desc(), Scratch.Slot.DST);
            args.put(dnnl.DNNL_ARG_SRC, src.inner);
            args.put(dnnl.DNNL_ARG_WEIGHTS, weights.inner);
            args.put(dnnl.DNNL_ARG_BIAS, bias);
            args.put(dnnl.DNNL_ARG_DST, dst.inner);
        }

        private convolution_forward.desc desc(Geometry g, LayoutLink out, dnnl.algorithm algorithm) {
            return new convolution_forward.desc(frozen ? dnnl.prop_kind.forward_inference : dnnl.prop_kind.forward_training,
                    algorithm, anyOf(g.inputShape(), int8 != null ? int8.inputType : multiplied),
                    anyOf(g.weightShape(), multiplied), Dnnl.plain(new long[] {g.oc}, memory.format_tag.x),
                    anyOf(g.outputShape(), int8 != null && int8.outputType != null ? int8.outputType
                            : out != null && multiplied.value == data_type.bf16.value ? out.type() : data_type.f32),
                    g.strides, g.dilation, g.padLeft, g.padRight);
        }

        /**
         * Whether an inference convolution should ask for Winograd rather than leave the choice to
         * oneDNN, which picks it for training but not for inference: float batches of maps at least
         * 10x10 and more than 3 input channels. fruits-cnn at 100x100, batch 32: 298 -> 370-376
         * images/s; at 28x28, whose 7x7 and 3x3 maps are left direct, 3742 -> 3920-3955. Winograd
         * on single images, or on every map at 28x28, lost (latency at 100x100 4.9 -> 5.4 ms,
         * inference at 28x28 3742 -> 3295 images/s).
         */
        private static boolean prefersWinograd(Geometry g, data_type multiplied) {
            return g.n > 1 && winogradPays(g.c, g.oh * g.ow, multiplied.value == data_type.f32.value);
        }

        /**
         * Whether Winograd pays for {@code c} input channels into maps of {@code outputPixels}, in float. The
         * compiled inference chain ({@link InferencePlan}) asks for it on single images too: there, without the
         * layer-by-layer path's per-layer costs, one image through fruits-cnn took 6.4 ms against 9.0-9.2 at
         * 100x100 and 0.48 against 0.56-0.57 ms at 28x28 (two runs each, 2026-12-06).
         */
        static boolean winogradPays(long c, long outputPixels, boolean f32) {
            return f32 && c > 3 && outputPixels >= 100;
        }

        String implementation() {
            return pd.impl_info_str().getString();
        }

        void run(INDArray input, INDArray w, INDArray b, INDArray out) {
            src.bindIn(input);
            if (packedFrom == null) {
                weights.bindIn(w);
                packedFrom = frozen ? w : null;
            }
            bias.set_data_handle(int8 != null ? int8.scaledBias.get_data_handle() : Dnnl.address(b));
            dst.bindOut(out);
            conv.execute(Dnnl.stream(), args);
            dst.copyOut();
            Dnnl.stream()._wait();
        }
    }

    /** Weight, bias and (unless not needed) input gradients for one geometry. */
    final class Backward {
        /** The weight and bias gradients as a swapped forward pass (small maps), or null for oneDNN's backward-weights kernel. */
        private final SwappedWeightGradient swapped;
        private final convolution_backward_weights bwdWeights;
        private final IntMemoryMap weightArgs = new IntMemoryMap();
        private final Operand srcW;
        private final Operand diffDstW;
        private final Operand diffWeights;
        private final memory diffBias;

        private final convolution_backward_data bwdData;
        private final IntMemoryMap dataArgs = new IntMemoryMap();
        private final Operand weightsD;
        private final Operand diffDstD;
        private final Operand diffSrc;

        Backward(Geometry g, Forward forward) {
            data_type multiplied = forward.multiplied;
            // Gradients travel in the same layout as the activations they belong to.
            memory.desc inLayout = LayoutLink.layout(in, g.inputShape());
            memory.desc outLayout = LayoutLink.layout(out, g.outputShape());
            swapped = SwappedWeightGradient.suits(g) ? swappedOrNull(g, inLayout, outLayout, multiplied) : null;
            convolution_backward_weights.primitive_desc wpd = null;
            if (swapped == null) {
                convolution_backward_weights.desc wd = new convolution_backward_weights.desc(
                        algorithm(g), anyOf(g.inputShape(), multiplied), anyOf(g.weightShape()),
                        Dnnl.plain(new long[] {g.oc}, memory.format_tag.x), anyOf(g.outputShape(), multiplied),
                        g.strides, g.dilation, g.padLeft, g.padRight);
                wpd = new convolution_backward_weights.primitive_desc(wd, Dnnl.engine(), forward.pd);
                bwdWeights = new convolution_backward_weights(wpd);
                srcW = new Operand(inLayout, wpd.src_desc(), Scratch.Slot.SRC);
                diffDstW = new Operand(outLayout, wpd.diff_dst_desc(), Scratch.Slot.DIFF_DST);
                diffWeights = new Operand(Dnnl.plain(g.weightShape(), memory.format_tag.oihw), wpd.diff_weights_desc(), null);
                diffBias = Dnnl.unbound(wpd.diff_bias_desc());
                weightArgs.put(dnnl.DNNL_ARG_SRC, srcW.inner);
                weightArgs.put(dnnl.DNNL_ARG_DIFF_DST, diffDstW.inner);
                weightArgs.put(dnnl.DNNL_ARG_DIFF_WEIGHTS, diffWeights.inner);
                weightArgs.put(dnnl.DNNL_ARG_DIFF_BIAS, diffBias);
            } else {
                bwdWeights = null;
                srcW = null;
                diffDstW = null;
                diffWeights = null;
                diffBias = null;
            }

            if (inputGradient) {
                convolution_backward_data.desc dd = new convolution_backward_data.desc(
                        algorithm(g),
                        anyOf(g.inputShape(), in != null && multiplied.value == data_type.bf16.value ? in.type() : data_type.f32),
                        anyOf(g.weightShape(), multiplied),
                        anyOf(g.outputShape(), multiplied), g.strides, g.dilation, g.padLeft, g.padRight);
                convolution_backward_data.primitive_desc dpd =
                        new convolution_backward_data.primitive_desc(dd, Dnnl.engine(), forward.pd);
                bwdData = new convolution_backward_data(dpd);
                weightsD = new Operand(Dnnl.plain(g.weightShape(), memory.format_tag.oihw), dpd.weights_desc(), null);
                boolean sharedDiffDst = wpd != null && dpd.diff_dst_desc().equals(wpd.diff_dst_desc());
                diffDstD = sharedDiffDst ? diffDstW
                        : new Operand(outLayout, dpd.diff_dst_desc(), Scratch.Slot.DIFF_DST_DATA);
                diffSrc = new Operand(inLayout, dpd.diff_src_desc(), Scratch.Slot.DIFF_SRC);
                dataArgs.put(dnnl.DNNL_ARG_WEIGHTS, weightsD.inner);
                dataArgs.put(dnnl.DNNL_ARG_DIFF_DST, diffDstD.inner);
                dataArgs.put(dnnl.DNNL_ARG_DIFF_SRC, diffSrc.inner);
            } else {
                bwdData = null;
                weightsD = null;
                diffDstD = null;
                diffSrc = null;
            }
        }

        void run(INDArray input, INDArray w, INDArray delta, INDArray weightGrad, INDArray biasGrad,
                 INDArray gradAtInput) {
            if (swapped != null) {
                swapped.run(input, delta, weightGrad, biasGrad);
            } else {
                srcW.bindIn(input);
                diffDstW.bindIn(delta);
                diffWeights.bindOut(weightGrad);
                diffBias.set_data_handle(Dnnl.address(biasGrad));
                bwdWeights.execute(Dnnl.stream(), weightArgs);
                diffWeights.copyOut();
            }
            if (bwdData != null) {
                weightsD.bindIn(w);
                if (diffDstD != diffDstW) {
                    diffDstD.bindIn(delta);
                }
                diffSrc.bindOut(gradAtInput);
                bwdData.execute(Dnnl.stream(), dataArgs);
                diffSrc.copyOut();
            }
            Dnnl.stream()._wait();
        }
    }

    /** The swapped weight gradient for {@code g}, or null where oneDNN has no kernel for it (its own backward-weights pass then runs). */
    private static SwappedWeightGradient swappedOrNull(Geometry g, memory.desc inLayout, memory.desc outLayout, data_type multiplied) {
        try {
            return new SwappedWeightGradient(g, inLayout, outLayout, multiplied);
        } catch (RuntimeException unsupported) {
            return null;
        }
    }

    private static memory.desc anyOf(long[] dims) {
        return anyOf(dims, data_type.f32);
    }

    private static memory.desc anyOf(long[] dims, data_type type) {
        return Dnnl.of(dims, type, memory.format_tag.any);
    }
}
