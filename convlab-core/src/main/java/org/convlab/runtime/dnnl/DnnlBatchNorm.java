package org.convlab.runtime.dnnl;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.batch_normalization_backward;
import org.bytedeco.dnnl.batch_normalization_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.global.dnnl;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A DL4J {@link BatchNormalizationHelper} on oneDNN called directly (NCHW, float, learned scale
 * and shift). As with {@link DnnlConvolution}, the primitives are built once per shape instead
 * of on every call; it also lets libnd4j's oneDNN platform helpers go off in graphs with batch
 * norm, which makes their pooling fast (see {@link DnnlHelpers}).
 *
 * <p>After a convolution that hands over its blocked layout ({@link LayoutLink}) it normalises in
 * that layout, where oneDNN's kernels run several times faster than on NCHW (batch norm works per
 * channel and does not care how the elements are ordered); its output, and the gradient it
 * receives, travel in that layout too when the next layer takes it, else are reordered to and
 * from NCHW here, the reorders the convolution would otherwise have done.
 *
 * <p>Training normalises with the batch's mean and biased variance (what DL4J's own helper uses)
 * and keeps them for DL4J's update of the running statistics; inference uses the running ones.
 */
final class DnnlBatchNorm implements BatchNormalizationHelper {
    private static final int SCALE_AND_SHIFT = dnnl.normalization_flags.use_scale.value
            | dnnl.normalization_flags.use_shift.value;

    private final LayoutLink in;
    private final LayoutLink out;
    private final Map<List<Object>, Forward> forwards = new HashMap<>();
    private final Map<List<Object>, Backward> backwards = new HashMap<>();
    private INDArray batchMean;
    /** Training passes normalised here, so a reader of the batch statistics can tell they are fresh. */
    private long trainingPasses;
    private INDArray batchVariance;

    /**
     * @param in  the link this layer's input arrives through, or null (plain NCHW)
     * @param out the link its output leaves through, or null (plain NCHW); only with {@code in}
     */
    DnnlBatchNorm(LayoutLink in, LayoutLink out) {
        if (in == null && out != null) {
            throw new IllegalArgumentException("a batch norm can hand over a blocked layout only if it receives one");
        }
        this.in = in;
        this.out = out;
    }

    /** The link this layer's input arrives through, or null. */
    LayoutLink inputLink() {
        return in;
    }

    /** The link this layer's output leaves through, or null. */
    LayoutLink outputLink() {
        return out;
    }

    /** How many training passes this helper normalised (DL4J's code ran any others). */
    long trainingPasses() {
        return trainingPasses;
    }

    @Override
    public boolean checkSupported(double eps, boolean fixedGammaBeta) {
        return !fixedGammaBeta;
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
    public INDArray getMeanCache(DataType dataType) {
        return batchMean;
    }

    @Override
    public INDArray getVarCache(DataType dataType) {
        return batchVariance;
    }

    @Override
    public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta, INDArray mean,
                              INDArray var, double decay, double eps, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (!supported(x, format) || gamma == null || beta == null) {
            return null;
        }
        Forward f = forwards.computeIfAbsent(List.of(Arrays.toString(x.shape()), training, eps),
                key -> new Forward(x.shape(), LayoutLink.layout(in, x.shape()), LayoutLink.layout(out, x.shape()),
                        (float) eps, training));
        INDArray result = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, x.shape(), 'c');
        if (training) {
            long channels = x.size(1);
            if (batchMean == null || batchMean.length() != channels) {
                try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                    batchMean = Nd4j.create(DataType.FLOAT, channels);
                    batchVariance = Nd4j.create(DataType.FLOAT, channels);
                }
            }
            f.run(Dnnl.readable(x), Dnnl.readable(gamma), Dnnl.readable(beta), batchMean, batchVariance, result);
            trainingPasses++;
        } else {
            f.run(Dnnl.readable(x), Dnnl.readable(gamma), Dnnl.readable(beta), Dnnl.readable(mean), Dnnl.readable(var),
                    result);
        }
        return result;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
                                                     INDArray beta, INDArray dGammaView, INDArray dBetaView, double eps,
                                                     CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
        if (!supported(input, format) || gamma == null || beta == null || batchMean == null || dGammaView == null
                || !Dnnl.dense(dGammaView) || !Dnnl.dense(dBetaView)) {
            return null;
        }
        Backward b = backwards.computeIfAbsent(List.of(Arrays.toString(input.shape()), eps),
                key -> new Backward(input.shape(), LayoutLink.layout(in, input.shape()),
                        LayoutLink.layout(out, input.shape()), (float) eps));
        INDArray gradAtInput = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c');
        b.run(Dnnl.readable(input), Dnnl.readable(epsilon), Dnnl.readable(gamma), Dnnl.readable(beta), batchMean,
                batchVariance, gradAtInput, dGammaView, dBetaView);
        Gradient g = new DefaultGradient();
        g.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
        g.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
        return new Pair<>(g, gradAtInput);
    }

    private static boolean supported(INDArray x, CNN2DFormat format) {
        return format == CNN2DFormat.NCHW && x.rank() == 4 && x.dataType() == DataType.FLOAT;
    }

    private static batch_normalization_forward.primitive_desc forwardDesc(memory.desc data, float eps, boolean training) {
        int flags = SCALE_AND_SHIFT | (training ? 0 : dnnl.normalization_flags.use_global_stats.value);
        int kind = (training ? dnnl.prop_kind.forward_training : dnnl.prop_kind.forward_inference).value;
        return new batch_normalization_forward.primitive_desc(new batch_normalization_forward.desc(kind, data, eps, flags),
                Dnnl.engine());
    }

    /** The arguments bound by address before each run, in a fixed order, plus those bound as operands. */
    private static final class Bound {
        private final IntMemoryMap args = new IntMemoryMap();
        private final int[] keys;
        private final memory[] memories;

        Bound(int[] keys, memory.desc[] descs) {
            this.keys = keys;
            this.memories = new memory[keys.length];
            for (int i = 0; i < keys.length; i++) {
                memories[i] = Dnnl.unbound(descs[i]);
                args.put(keys[i], memories[i]);
            }
        }

        Bound with(int key, Operand operand) {
            args.put(key, operand.inner);
            return this;
        }

        IntMemoryMap bind(INDArray... arrays) {
            for (int i = 0; i < keys.length; i++) {
                memories[i].set_data_handle(Dnnl.address(arrays[i]));
            }
            return args;
        }
    }

    /** Normalises in the input's layout; the output is reordered when it leaves in another. */
    private static final class Forward {
        private final batch_normalization_forward bn;
        private final Bound bound;
        private final Operand dst;

        Forward(long[] dims, memory.desc data, memory.desc outLayout, float eps, boolean training) {
            batch_normalization_forward.primitive_desc pd = forwardDesc(data, eps, training);
            bn = new batch_normalization_forward(pd);
            dst = new Operand(outLayout, pd.dst_desc(), Scratch.Slot.DST);
            bound = new Bound(new int[] {dnnl.DNNL_ARG_SRC, dnnl.DNNL_ARG_SCALE, dnnl.DNNL_ARG_SHIFT, dnnl.DNNL_ARG_MEAN,
                dnnl.DNNL_ARG_VARIANCE}, new memory.desc[] {pd.src_desc(), channels(dims), channels(dims), pd.mean_desc(),
                pd.variance_desc()}).with(dnnl.DNNL_ARG_DST, dst);
        }

        void run(INDArray x, INDArray gamma, INDArray beta, INDArray mean, INDArray variance, INDArray out) {
            IntMemoryMap args = bound.bind(x, gamma, beta, mean, variance);
            dst.bindOut(out);
            bn.execute(Dnnl.stream(), args);
            dst.copyOut();
            Dnnl.stream()._wait();
        }
    }

    private static final class Backward {
        private final batch_normalization_backward bn;
        private final Bound bound;
        private final Operand diffDst;

        Backward(long[] dims, memory.desc data, memory.desc outLayout, float eps) {
            batch_normalization_forward.primitive_desc hint = forwardDesc(data, eps, true);
            batch_normalization_backward.primitive_desc pd = new batch_normalization_backward.primitive_desc(
                    new batch_normalization_backward.desc(dnnl.prop_kind.backward.value, data, data, eps, SCALE_AND_SHIFT),
                    Dnnl.engine(), hint);
            bn = new batch_normalization_backward(pd);
            diffDst = new Operand(outLayout, pd.diff_dst_desc(), Scratch.Slot.DIFF_DST);
            // oneDNN wants the shift bound as well, though its gradient does not depend on it.
            bound = new Bound(new int[] {dnnl.DNNL_ARG_SRC, dnnl.DNNL_ARG_SCALE, dnnl.DNNL_ARG_SHIFT, dnnl.DNNL_ARG_MEAN,
                dnnl.DNNL_ARG_VARIANCE, dnnl.DNNL_ARG_DIFF_SRC, dnnl.DNNL_ARG_DIFF_SCALE, dnnl.DNNL_ARG_DIFF_SHIFT},
                new memory.desc[] {pd.src_desc(), channels(dims), channels(dims), pd.mean_desc(), pd.variance_desc(),
                    pd.diff_src_desc(), channels(dims), channels(dims)}).with(dnnl.DNNL_ARG_DIFF_DST, diffDst);
        }

        void run(INDArray x, INDArray diffOut, INDArray gamma, INDArray beta, INDArray mean, INDArray variance,
                 INDArray diffIn, INDArray diffGamma, INDArray diffBeta) {
            IntMemoryMap args = bound.bind(x, gamma, beta, mean, variance, diffIn, diffGamma, diffBeta);
            diffDst.bindIn(diffOut);
            bn.execute(Dnnl.stream(), args);
            Dnnl.stream()._wait();
        }
    }

    private static memory.desc channels(long[] dims) {
        return Dnnl.plain(new long[] {dims[1]}, memory.format_tag.x);
    }
}
