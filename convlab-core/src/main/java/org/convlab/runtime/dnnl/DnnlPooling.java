package org.convlab.runtime.dnnl;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.pooling_backward;
import org.bytedeco.dnnl.pooling_forward;
import org.bytedeco.dnnl.global.dnnl;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's pooling layer with max pooling (and average pooling without padding) run on oneDNN
 * directly, in a blocked layout.
 *
 * <p>DL4J 1.0.0-M2.1's {@link SubsamplingLayer} calls a helper only on the way back and runs
 * libnd4j's loops forwards, so {@link DnnlHelpers} puts this layer object in its place; the
 * configuration, and so every stored model, stays DL4J's. oneDNN's fast pooling kernels read
 * blocked channels (its plain-NCHW one is a reference loop), so a plain input is reordered in and
 * the output out, unless the neighbours hand over blocked tensors ({@link LayoutLink}). Max
 * pooling keeps oneDNN's workspace (where each maximum was) from the training pass, so the
 * backward pass scatters the gradient instead of searching every window again. Anything else
 * (dilation, p-norm, NHWC, other types) runs DL4J's own code.
 */
final class DnnlPooling extends SubsamplingLayer {
    private final LayoutLink in;
    private final LayoutLink out;
    private final Map<List<Object>, Forward> forwards = new HashMap<>();
    private final Map<List<Long>, Backward> backwards = new HashMap<>();
    private final Map<List<Long>, Optional<Geometry>> geometries = new HashMap<>();
    /** The input of the last training pass, whose workspace the backward pass reads. */
    private INDArray trainedOn;

    /**
     * @param in  the link this layer's input arrives through, or null (plain NCHW)
     * @param out the link its output leaves through, or null (plain NCHW); only with {@code in}
     */
    DnnlPooling(NeuralNetConfiguration conf, DataType dataType, LayoutLink in, LayoutLink out) {
        super(conf, dataType);
        if (in == null && out != null) {
            throw new IllegalArgumentException("a pooling layer can hand over a blocked layout only if it receives one");
        }
        if (!handles((org.deeplearning4j.nn.conf.layers.SubsamplingLayer) conf.getLayer())) {
            throw new IllegalArgumentException("a pooling layer ConvLab does not run on oneDNN: " + conf.getLayer());
        }
        this.in = in;
        this.out = out;
    }

    /** Whether a pooling layer of this configuration runs here rather than on DL4J's code. */
    static boolean handles(org.deeplearning4j.nn.conf.layers.SubsamplingLayer conf) {
        boolean noPadding = Arrays.stream(conf.getPadding()).allMatch(p -> p == 0)
                && conf.getConvolutionMode() != ConvolutionMode.Same;
        return conf.getCnn2dDataFormat() == CNN2DFormat.NCHW && Arrays.stream(conf.getDilation()).allMatch(d -> d == 1)
                && conf.getConvolutionMode() != ConvolutionMode.Causal
                && (conf.getPoolingType() == PoolingType.MAX || (conf.getPoolingType() == PoolingType.AVG && noPadding));
    }

    /** The link this layer's input arrives through, or null. */
    LayoutLink inputLink() {
        return in;
    }

    /** The link this layer's output leaves through, or null. */
    LayoutLink outputLink() {
        return out;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(false);
        Geometry g = geometryOf(input);
        if (g == null) {
            return super.activate(training, workspaceMgr);
        }
        INDArray result = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, g.outputShape(), 'c');
        forward(g, training).run(Dnnl.readable(input), result);
        trainedOn = training ? input : null;
        return result;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        assertInputSet(true);
        Geometry g = epsilon.dataType() == DataType.FLOAT ? geometryOf(input) : null;
        if (g == null) {
            return super.backpropGradient(epsilon, workspaceMgr);
        }
        Forward f = forward(g, true);
        if (trainedOn != input) {
            // No training pass on this input since (DL4J called backprop on its own): redo it for the workspace.
            try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                f.run(Dnnl.readable(input), Nd4j.createUninitialized(DataType.FLOAT, g.outputShape()));
            }
            trainedOn = input;
        }
        Backward b = backwards.computeIfAbsent(Arrays.stream(g.inputShape()).boxed().toList(), key -> new Backward(g, f));
        INDArray gradAtInput = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c');
        b.run(Dnnl.readable(epsilon), gradAtInput);
        return new Pair<>(new DefaultGradient(), gradAtInput);
    }

    /** The geometry of pooling {@code x} here, or null where DL4J's code runs. */
    private Geometry geometryOf(INDArray x) {
        if (x.rank() != 4 || x.dataType() != DataType.FLOAT) {
            return null;
        }
        return geometries.computeIfAbsent(Arrays.stream(x.shape()).boxed().toList(),
                key -> Optional.ofNullable(geometry(x))).orElse(null);
    }

    private Forward forward(Geometry g, boolean training) {
        return forwards.computeIfAbsent(List.of(Arrays.stream(g.inputShape()).boxed().toList(), training),
                key -> new Forward(g, training));
    }

    /**
     * Shapes, window and padding of one input shape, and the blocked layout the kernels run in;
     * null when there is none for this channel count (then DL4J's code runs).
     */
    private Geometry geometry(INDArray x) {
        var conf = (org.deeplearning4j.nn.conf.layers.SubsamplingLayer) conf().getLayer();
        long[] shape = x.shape();
        memory.desc inLayout = LayoutLink.layout(in, shape);
        memory.desc inner = inLayout.equals(Dnnl.plain(shape, memory.format_tag.nchw)) ? blocked(shape) : inLayout;
        if (inner == null) {
            return null;
        }
        int[] kernel = conf.getKernelSize();
        int[] strides = conf.getStride();
        int[] dilation = {1, 1};
        ConvolutionMode mode = conf.getConvolutionMode();
        int[] outSize;
        int[] padTopLeft;
        if (mode == ConvolutionMode.Same) {
            outSize = ConvolutionUtils.getOutputSize(x, kernel, strides, null, mode, dilation, CNN2DFormat.NCHW);
            padTopLeft = ConvolutionUtils.getSameModeTopLeftPadding(outSize, new int[] {(int) shape[2], (int) shape[3]},
                    kernel, strides, dilation);
        } else {
            outSize = ConvolutionUtils.getOutputSize(x, kernel, strides, conf.getPadding(), mode, dilation, CNN2DFormat.NCHW);
            padTopLeft = conf.getPadding();
        }
        long[] padRight = new long[2];
        for (int i = 0; i < 2; i++) {
            long span = (long) (outSize[i] - 1) * strides[i] + kernel[i];
            padRight[i] = Math.max(0, span - shape[2 + i] - padTopLeft[i]);
        }
        return new Geometry(shape, new long[] {shape[0], shape[1], outSize[0], outSize[1]}, inLayout, inner,
                new long[] {kernel[0], kernel[1]}, new long[] {strides[0], strides[1]},
                new long[] {padTopLeft[0], padTopLeft[1]}, padRight,
                conf.getPoolingType() == PoolingType.MAX ? dnnl.algorithm.pooling_max.value
                        : dnnl.algorithm.pooling_avg_exclude_padding.value);
    }

    /** oneDNN's blocked layout for a plain tensor: 16 channels a block with AVX-512, else 8; null if they do not divide. */
    private static memory.desc blocked(long[] shape) {
        boolean avx512 = (dnnl.dnnl_get_effective_cpu_isa() & dnnl.cpu_isa.avx512_core.value) == dnnl.cpu_isa.avx512_core.value;
        if (avx512 && shape[1] % 16 == 0) {
            return Dnnl.plain(shape, memory.format_tag.nChw16c);
        }
        return shape[1] % 8 == 0 ? Dnnl.plain(shape, memory.format_tag.nChw8c) : null;
    }

    private record Geometry(long[] inputShape, long[] outputShape, memory.desc inLayout, memory.desc inner, long[] kernel,
                            long[] strides, long[] padLeft, long[] padRight, int algorithm) {
    }

    /** The pooling forward for one input shape and mode; a training max pool fills {@link #workspace}. */
    private final class Forward {
        final pooling_forward.primitive_desc pd;
        final memory workspace;
        private final pooling_forward pool;
        private final IntMemoryMap args = new IntMemoryMap();
        private final Operand src;
        private final Operand dst;

        Forward(Geometry g, boolean training) {
            int kind = (training ? dnnl.prop_kind.forward_training : dnnl.prop_kind.forward_inference).value;
            pd = new pooling_forward.primitive_desc(new pooling_forward.desc(kind, g.algorithm(), g.inner(),
                    Dnnl.of(g.outputShape(), g.inner().data_type(), memory.format_tag.any), g.strides(), g.kernel(),
                    g.padLeft(), g.padRight()), Dnnl.engine());
            pool = new pooling_forward(pd);
            if (out != null) {
                out.offer(g.outputShape(), pd.dst_desc());
            }
            src = new Operand(g.inLayout(), pd.src_desc(), Scratch.Slot.SRC);
            dst = new Operand(LayoutLink.layout(out, g.outputShape()), pd.dst_desc(), Scratch.Slot.DST);
            args.put(dnnl.DNNL_ARG_SRC, src.inner);
            args.put(dnnl.DNNL_ARG_DST, dst.inner);
            boolean keepsWorkspace = training && g.algorithm() == dnnl.algorithm.pooling_max.value;
            workspace = keepsWorkspace ? new memory(pd.workspace_desc(), Dnnl.engine()) : null;
            if (workspace != null) {
                args.put(dnnl.DNNL_ARG_WORKSPACE, workspace);
            }
        }

        void run(INDArray x, INDArray result) {
            src.bindIn(x);
            dst.bindOut(result);
            pool.execute(Dnnl.stream(), args);
            dst.copyOut();
            Dnnl.stream()._wait();
        }
    }

    /** The gradient at the input, from the output's gradient and (max pooling) the forward workspace. */
    private final class Backward {
        private final pooling_backward pool;
        private final IntMemoryMap args = new IntMemoryMap();
        private final Operand diffDst;
        private final Operand diffSrc;

        Backward(Geometry g, Forward forward) {
            pooling_backward.primitive_desc pd = new pooling_backward.primitive_desc(new pooling_backward.desc(
                    g.algorithm(), forward.pd.src_desc(), forward.pd.dst_desc(), g.strides(), g.kernel(), g.padLeft(),
                    g.padRight()), Dnnl.engine(), forward.pd);
            pool = new pooling_backward(pd);
            diffDst = new Operand(LayoutLink.layout(out, g.outputShape()), pd.diff_dst_desc(), Scratch.Slot.DIFF_DST);
            diffSrc = new Operand(g.inLayout(), pd.diff_src_desc(), Scratch.Slot.DIFF_SRC);
            args.put(dnnl.DNNL_ARG_DIFF_DST, diffDst.inner);
            args.put(dnnl.DNNL_ARG_DIFF_SRC, diffSrc.inner);
            if (forward.workspace != null) {
                args.put(dnnl.DNNL_ARG_WORKSPACE, forward.workspace);
            }
        }

        void run(INDArray diffOut, INDArray diffIn) {
            diffDst.bindIn(diffOut);
            diffSrc.bindOut(diffIn);
            pool.execute(Dnnl.stream(), args);
            diffSrc.copyOut();
            Dnnl.stream()._wait();
        }
    }
}
