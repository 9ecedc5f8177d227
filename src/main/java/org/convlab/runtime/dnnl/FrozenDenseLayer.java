package org.convlab.runtime.dnnl;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.inner_product_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.memory.data_type;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.global.dnnl;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A dense layer of a frozen graph (one whose weights never change): oneDNN's inner product on
 * weights reordered once into the kernel's layout, and in bf16 mode rounded to bfloat16 once.
 *
 * <p>DL4J multiplies by the float weights through BLAS on every call. For one image that product
 * reads every weight to use it once, so its time is the weights' bytes: the tutorial's dense_1
 * holds 9.4 million (37.7 MB in float, 2.2 ms of a 7 ms single-image forward pass in bf16 mode);
 * PyTorch's frozen TorchScript graphs prepack weights the same way. Training, layer norm, masks
 * and other types run DL4J's own code; backprop is refused, as the weights are not to change.
 */
final class FrozenDenseLayer extends DenseLayer {
    private final boolean bf16;
    private final Map<Long, Product> products = new HashMap<>();
    /** The weights in each layout a product asked for, shared by the batch sizes that ask for the same. */
    private final List<memory> packed = new ArrayList<>();

    FrozenDenseLayer(NeuralNetConfiguration conf, DataType dataType, boolean bf16) {
        super(conf, dataType);
        this.bf16 = bf16;
    }

    @Override
    protected Pair<INDArray, INDArray> preOutputWithPreNorm(boolean training, boolean forBackprop,
                                                           LayerWorkspaceMgr workspaceMgr) {
        INDArray w = getParam(DefaultParamInitializer.WEIGHT_KEY);
        if (training || forBackprop || hasLayerNorm() || maskArray != null || input == null
                || input.dataType() != DataType.FLOAT || w.dataType() != DataType.FLOAT || input.rank() != 2
                || input.columns() != w.rows()) {
            return super.preOutputWithPreNorm(training, forBackprop, workspaceMgr);
        }
        long batch = input.rows();
        Product p = products.computeIfAbsent(batch, this::product);
        INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT,
                new long[] {batch, w.columns()}, 'c');
        p.run(Dnnl.readable(input), hasBias() ? Dnnl.readable(getParam(DefaultParamInitializer.BIAS_KEY)) : null, out);
        return new Pair<>(out, out);
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr workspaceMgr) {
        throw new IllegalStateException(DnnlHelpers.FROZEN);
    }

    /** How many batch sizes have a primitive (for checks). */
    int primitives() {
        return products.size();
    }

    /** The oneDNN implementation of the primitive for {@code batch} images, e.g. "brgemm:avx512_core_bf16" (for checks). */
    String implementation(long batch) {
        Product p = products.get(batch);
        return p == null ? null : p.pd.impl_info_str().getString();
    }

    private Product product(long batch) {
        if (bf16) {
            Product narrow = new Product(batch, data_type.bf16);
            if (!narrow.pd.impl_info_str().getString().startsWith("ref")) {
                return narrow;
            }
        }
        return new Product(batch, data_type.f32);
    }

    /** The weights in layout {@code wanted}: reordered from the layer's array on first request. */
    private memory packedWeights(memory.desc wanted) {
        for (memory m : packed) {
            if (m.get_desc().equals(wanted)) {
                return m;
            }
        }
        INDArray w = getParam(DefaultParamInitializer.WEIGHT_KEY);
        // DL4J stores W as [nIn, nOut]; oneDNN's inner product reads [nOut, nIn]: the same elements, strides swapped.
        memory user = Dnnl.unbound(new memory.desc(new long[] {w.columns(), w.rows()}, data_type.f32,
                new long[] {w.stride(1), w.stride(0)}));
        user.set_data_handle(Dnnl.address(w));
        memory copy = new memory(wanted, Dnnl.engine());
        new reorder(user, copy).execute(Dnnl.stream(), user, copy);
        Dnnl.stream()._wait();
        packed.add(copy);
        return copy;
    }

    /** The inner product for one batch size: plain float rows in and out, the weights packed. */
    private final class Product {
        final inner_product_forward.primitive_desc pd;
        private final inner_product_forward primitive;
        private final IntMemoryMap args = new IntMemoryMap();
        private final Operand src;
        private final memory bias;
        private final memory dst;

        Product(long batch, data_type multiplied) {
            long nIn = numIn(), nOut = numOut();
            memory.desc rows = Dnnl.plain(new long[] {batch, nIn}, memory.format_tag.ab);
            memory.desc out = Dnnl.plain(new long[] {batch, nOut}, memory.format_tag.ab);
            memory.desc biasDesc = Dnnl.plain(new long[] {nOut}, memory.format_tag.a);
            inner_product_forward.desc d = hasBias()
                    ? new inner_product_forward.desc(dnnl.prop_kind.forward_inference,
                            Dnnl.of(new long[] {batch, nIn}, multiplied, memory.format_tag.any),
                            Dnnl.of(new long[] {nOut, nIn}, multiplied, memory.format_tag.any), biasDesc, out)
                    : new inner_product_forward.desc(dnnl.prop_kind.forward_inference,
                            Dnnl.of(new long[] {batch, nIn}, multiplied, memory.format_tag.any),
                            Dnnl.of(new long[] {nOut, nIn}, multiplied, memory.format_tag.any), out);
            pd = new inner_product_forward.primitive_desc(d, Dnnl.engine());
            primitive = new inner_product_forward(pd);
            src = new Operand(rows, pd.src_desc(), Scratch.Slot.SRC);
            bias = hasBias() ? Dnnl.unbound(biasDesc) : null;
            dst = Dnnl.unbound(pd.dst_desc());
            args.put(dnnl.DNNL_ARG_SRC, src.inner);
            args.put(dnnl.DNNL_ARG_WEIGHTS, packedWeights(pd.weights_desc()));
            if (bias != null) {
                args.put(dnnl.DNNL_ARG_BIAS, bias);
            }
            args.put(dnnl.DNNL_ARG_DST, dst);
        }

        void run(INDArray input, INDArray b, INDArray out) {
            src.bindIn(input);
            if (bias != null) {
                bias.set_data_handle(Dnnl.address(b));
            }
            dst.set_data_handle(Dnnl.address(out));
            primitive.execute(Dnnl.stream(), args);
            Dnnl.stream()._wait();
        }
    }

    private long numIn() {
        return getParam(DefaultParamInitializer.WEIGHT_KEY).rows();
    }

    private long numOut() {
        return getParam(DefaultParamInitializer.WEIGHT_KEY).columns();
    }
}
