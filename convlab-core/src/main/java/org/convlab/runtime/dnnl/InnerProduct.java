package org.convlab.runtime.dnnl;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.inner_product_backward_data;
import org.bytedeco.dnnl.inner_product_backward_weights;
import org.bytedeco.dnnl.inner_product_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.memory.data_type;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.global.dnnl;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * oneDNN's inner product for one DL4J dense or output layer: {@code input · W + b} and its
 * gradients, with W as DL4J keeps it ([nIn, nOut], which is oneDNN's [nOut, nIn] with the strides
 * swapped) and plain float rows in and out.
 *
 * <p>Why not BLAS, which DL4J calls: between convolutions that run on oneDNN's OpenMP threads, a
 * small BLAS product wakes OpenBLAS's own threads or waits for them to give the cores back; at the
 * main job's 28x28 shape the dense and output layers of fruits-cnn took about a tenth of a training
 * step for a few MFLOP. And in a frozen graph (one whose weights never change) the weights are
 * reordered into the kernel's layout once, in bf16 mode rounded to bfloat16 once: for one image the
 * product reads every weight to use it once, so its time is the weights' bytes (the tutorial's
 * dense_1 holds 9.4 million, 37.7 MB in float); PyTorch's frozen TorchScript graphs prepack the same
 * way. While training, the weights stay float and are read in place.
 */
final class InnerProduct {
    private final boolean bf16;
    private final boolean frozen;
    private final ActivationRange int8Input;
    private final Map<Long, Forward> forwards = new HashMap<>();
    private final Map<Long, Backward> backwards = new HashMap<>();
    /** A frozen layer's weights in each layout a batch size asked for, shared by those that ask for the same. */
    private final List<memory> packed = new ArrayList<>();

    /**
     * @param bf16   whether a frozen layer multiplies in bfloat16 (the CPU must have AVX512_BF16)
     * @param frozen whether the weights never change (an inference-only graph): packed once, no backprop
     * @param int8Input the range of a frozen layer's input, to multiply in int8 ({@link Int8}); null for float (or bf16)
     */
    InnerProduct(boolean bf16, boolean frozen, ActivationRange int8Input) {
        if (int8Input != null && !frozen) {
            throw new IllegalArgumentException("int8 products are for frozen (inference-only) graphs");
        }
        this.bf16 = bf16;
        this.frozen = frozen;
        this.int8Input = int8Input;
    }

    /** Whether oneDNN takes these arrays: a float matrix as wide as W has rows, float W. */
    static boolean takes(INDArray input, INDArray w) {
        return input != null && input.dataType() == DataType.FLOAT && w.dataType() == DataType.FLOAT
                && input.rank() == 2 && input.columns() == w.rows();
    }

    /** {@code input · w + b} ({@code b} null without a bias) in a new [batch, nOut] array. */
    INDArray forward(INDArray input, INDArray w, INDArray b, LayerWorkspaceMgr workspaceMgr) {
        long batch = input.rows();
        Forward f = forwards.computeIfAbsent(batch, key -> forward(key, w, b));
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
                new long[] {batch, w.columns()}, 'c');
        f.run(Dnnl.readable(input), w, b == null ? null : Dnnl.readable(b), out);
        return out;
    }

    /**
     * Writes the gradients of W and b ({@code biasGrad} null without a bias) for {@code delta}, the
     * gradient at the sums, into DL4J's gradient views, and returns the gradient at the input.
     */
    INDArray backward(INDArray input, INDArray delta, INDArray w, INDArray weightGrad, INDArray biasGrad,
                      LayerWorkspaceMgr workspaceMgr) {
        if (frozen) {
            throw new IllegalStateException(DnnlHelpers.FROZEN);
        }
        long batch = input.rows();
        Backward b = backwards.computeIfAbsent(batch, key -> new Backward(key, w, weightGrad, biasGrad != null,
                forwards.computeIfAbsent(key, k -> forward(k, w, null))));
        INDArray gradAtInput = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT,
                new long[] {batch, w.rows()}, 'c');
        b.run(Dnnl.readable(input), Dnnl.readable(delta), w, weightGrad, biasGrad, gradAtInput);
        return gradAtInput;
    }

    /** How many batch sizes have a forward primitive (for checks). */
    int primitives() {
        return forwards.size();
    }

    /** The oneDNN implementation of the forward primitive for {@code batch} rows, e.g. "brgemm:avx512_core_bf16" (for checks). */
    String implementation(long batch) {
        Forward f = forwards.get(batch);
        return f == null ? null : f.pd.impl_info_str().getString();
    }

    private Forward forward(long batch, INDArray w, INDArray b) {
        boolean hasBias = b != null;
        if (int8Input != null) {
            // Int8 wants one row per output: DL4J keeps W as [nIn, nOut].
            Forward quantized = new Forward(batch, w, hasBias, data_type.s8,
                    new Int8(w.transpose().dup('c'), b, int8Input, null));
            if (!quantized.pd.impl_info_str().getString().startsWith("ref")) {
                return quantized;
            }
        }
        if (bf16 && frozen) {
            Forward narrow = new Forward(batch, w, hasBias, data_type.bf16, null);
            if (!narrow.pd.impl_info_str().getString().startsWith("ref")) {
                return narrow;
            }
        }
        return new Forward(batch, w, hasBias, data_type.f32, null);
    }

    /** An [nOut, nIn] description of a DL4J [nIn, nOut] array (weights or their gradient), in place. */
    private static memory.desc transposed(INDArray w) {
        return new memory.desc(new long[] {w.columns(), w.rows()}, data_type.f32, new long[] {w.stride(1), w.stride(0)});
    }

    private static memory.desc rows(long batch, long width) {
        return Dnnl.plain(new long[] {batch, width}, memory.format_tag.ab);
    }

    private static memory.desc vector(long length) {
        return Dnnl.plain(new long[] {length}, memory.format_tag.a);
    }

    /** The weights in layout {@code wanted}: reordered from {@code w} on first request, scaled by {@code scaling} when set. */
    private memory packedWeights(memory.desc wanted, INDArray w, primitive_attr scaling) {
        for (memory m : packed) {
            if (m.get_desc().equals(wanted)) {
                return m;
            }
        }
        memory user = Dnnl.unbound(transposed(w));
        user.set_data_handle(Dnnl.address(w));
        memory copy = new memory(wanted, Dnnl.engine());
        Dnnl.reorder(user, copy, scaling).execute(Dnnl.stream(), user, copy);
        Dnnl.stream()._wait();
        packed.add(copy);
        return copy;
    }

    /**
     * The product for one batch size. Frozen: weights packed, rows rounded to bf16 in bf16 mode or
     * scaled to 8-bit integers in int8; else all in place.
     */
    private final class Forward {
        final inner_product_forward.primitive_desc pd;
        private final inner_product_forward primitive;
        private final IntMemoryMap args = new IntMemoryMap();
        private final Operand src;
        private final memory weights;
        private final memory bias;
        private final memory dst;
        private final Int8 int8;

        Forward(long batch, INDArray w, boolean hasBias, data_type multiplied, Int8 int8) {
            this.int8 = int8;
            long nIn = w.rows(), nOut = w.columns();
            memory.desc in = frozen ? Dnnl.of(new long[] {batch, nIn}, int8 != null ? int8.inputType : multiplied,
                    memory.format_tag.any) : rows(batch, nIn);
            memory.desc wanted = frozen ? Dnnl.of(new long[] {nOut, nIn}, multiplied, memory.format_tag.any) : transposed(w);
            int kind = (frozen ? dnnl.prop_kind.forward_inference : dnnl.prop_kind.forward_training).value;
            inner_product_forward.desc d = hasBias
                    ? new inner_product_forward.desc(kind, in, wanted, vector(nOut), rows(batch, nOut))
                    : new inner_product_forward.desc(kind, in, wanted, rows(batch, nOut));
            primitive_attr attr = new primitive_attr();
            if (int8 != null) {
                attr.set_output_scales(1 << 1, int8.outputScales);
            }
            pd = new inner_product_forward.primitive_desc(d, attr, Dnnl.engine());
            primitive = new inner_product_forward(pd);
            src = new Operand(rows(batch, nIn), pd.src_desc(), Scratch.Slot.SRC,
                    int8 == null ? null : Int8.scaling(new float[] {int8.inputScale}, 0));
            weights = frozen ? packedWeights(pd.weights_desc(), w, int8 == null ? null : Int8.scaling(int8.weightScales, 0))
                    : Dnnl.unbound(pd.weights_desc());
            bias = hasBias ? Dnnl.unbound(vector(nOut)) : null;
            dst = Dnnl.unbound(pd.dst_desc());
            args.put(dnnl.DNNL_ARG_SRC, src.inner);
            args.put(dnnl.DNNL_ARG_WEIGHTS, weights);
            if (bias != null) {
                args.put(dnnl.DNNL_ARG_BIAS, bias);
            }
            args.put(dnnl.DNNL_ARG_DST, dst);
        }

        void run(INDArray input, INDArray w, INDArray b, INDArray out) {
            src.bindIn(input);
            if (!frozen) {
                weights.set_data_handle(Dnnl.address(w));
            }
            if (bias != null) {
                bias.set_data_handle(int8 != null ? int8.scaledBias.get_data_handle() : Dnnl.address(b));
            }
            dst.set_data_handle(Dnnl.address(out));
            primitive.execute(Dnnl.stream(), args);
            Dnnl.stream()._wait();
        }
    }

    /** Weight, bias and input gradients for one batch size, written where DL4J keeps them. */
    private static final class Backward {
        private final inner_product_backward_weights weightsPrimitive;
        private final IntMemoryMap weightArgs = new IntMemoryMap();
        private final memory src;
        private final memory diffDst;
        private final memory diffWeights;
        private final memory diffBias;
        private final inner_product_backward_data dataPrimitive;
        private final IntMemoryMap dataArgs = new IntMemoryMap();
        private final memory weights;
        private final memory diffSrc;

        Backward(long batch, INDArray w, INDArray weightGrad, boolean hasBias, Forward forward) {
            long nIn = w.rows(), nOut = w.columns();
            inner_product_backward_weights.desc wd = hasBias
                    ? new inner_product_backward_weights.desc(rows(batch, nIn), transposed(weightGrad), vector(nOut),
                            rows(batch, nOut))
                    : new inner_product_backward_weights.desc(rows(batch, nIn), transposed(weightGrad), rows(batch, nOut));
            weightsPrimitive = new inner_product_backward_weights(
                    new inner_product_backward_weights.primitive_desc(wd, Dnnl.engine(), forward.pd));
            src = Dnnl.unbound(rows(batch, nIn));
            diffDst = Dnnl.unbound(rows(batch, nOut));
            diffWeights = Dnnl.unbound(transposed(weightGrad));
            diffBias = hasBias ? Dnnl.unbound(vector(nOut)) : null;
            weightArgs.put(dnnl.DNNL_ARG_SRC, src);
            weightArgs.put(dnnl.DNNL_ARG_DIFF_DST, diffDst);
            weightArgs.put(dnnl.DNNL_ARG_DIFF_WEIGHTS, diffWeights);
            if (diffBias != null) {
                weightArgs.put(dnnl.DNNL_ARG_DIFF_BIAS, diffBias);
            }
            inner_product_backward_data.desc dd = new inner_product_backward_data.desc(rows(batch, nIn), transposed(w),
                    rows(batch, nOut));
            dataPrimitive = new inner_product_backward_data(
                    new inner_product_backward_data.primitive_desc(dd, Dnnl.engine(), forward.pd));
            weights = Dnnl.unbound(transposed(w));
            diffSrc = Dnnl.unbound(rows(batch, nIn));
            dataArgs.put(dnnl.DNNL_ARG_DIFF_DST, diffDst);
            dataArgs.put(dnnl.DNNL_ARG_WEIGHTS, weights);
            dataArgs.put(dnnl.DNNL_ARG_DIFF_SRC, diffSrc);
        }

        void run(INDArray input, INDArray delta, INDArray w, INDArray weightGrad, INDArray biasGrad, INDArray gradAtInput) {
            src.set_data_handle(Dnnl.address(input));
            diffDst.set_data_handle(Dnnl.address(delta));
            diffWeights.set_data_handle(Dnnl.address(weightGrad));
            if (diffBias != null) {
                diffBias.set_data_handle(Dnnl.address(biasGrad));
            }
            weightsPrimitive.execute(Dnnl.stream(), weightArgs);
            weights.set_data_handle(Dnnl.address(w));
            diffSrc.set_data_handle(Dnnl.address(gradAtInput));
            dataPrimitive.execute(Dnnl.stream(), dataArgs);
            Dnnl.stream()._wait();
        }
    }
}
