package org.convlab.runtime.dnnl;

import java.util.HashMap;
import java.util.Map;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.eltwise_backward;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.global.dnnl;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * ReLU's backward pass on oneDNN's element-wise kernel: the gradient at the sums {@code z} from
 * the gradient at the output {@code y = relu(z)} and from {@code y} itself, which is positive
 * exactly where {@code z} is. Element by element, so the arrays are read as flat runs of floats:
 * any layout the two share works, blocked ones included. (libnd4j's relu_bp, which DL4J's layer
 * calls, took a sixth of the main job's training step on a 2-core AVX-512 machine.) The elements
 * are floats, or bfloat16 where a {@link LayoutLink} carries the tensors in bf16 (then all three are).
 */
final class ReluBackward {
    private final Map<Long, Kernel> kernels = new HashMap<>();
    private final memory.data_type type;

    /** @param type the element type of the output and both gradients: f32, or bf16 */
    ReluBackward(memory.data_type type) {
        this.type = type;
    }

    /** Writes dL/dz into {@code gradAtSums}, from {@code output} (= relu(z)) and {@code gradAtOutput} (dL/dy); all dense. */
    void run(INDArray output, INDArray gradAtOutput, INDArray gradAtSums) {
        kernels.computeIfAbsent(output.length(), length -> new Kernel(length, type)).run(output, gradAtOutput, gradAtSums);
    }

    private static final class Kernel {
        private final eltwise_backward primitive;
        private final memory dst;
        private final memory diffDst;
        private final memory diffSrc;
        private final IntMemoryMap args = new IntMemoryMap();

        Kernel(long length, memory.data_type type) {
            memory.desc flat = Dnnl.of(new long[] {length}, type, memory.format_tag.x);
            // use_dst: the derivative is read off the output, so the sums need not be kept.
            dnnl.algorithm relu = dnnl.algorithm.eltwise_relu_use_dst_for_bwd;
            eltwise_forward.primitive_desc hint = new eltwise_forward.primitive_desc(
                    new eltwise_forward.desc(dnnl.prop_kind.forward_training, relu, flat, 0f, 0f), Dnnl.engine());
            eltwise_backward.primitive_desc pd = new eltwise_backward.primitive_desc(
                    new eltwise_backward.desc(relu, flat, flat, 0f, 0f), Dnnl.engine(), hint);
            primitive = new eltwise_backward(pd);
            dst = Dnnl.unbound(flat);
            diffDst = Dnnl.unbound(flat);
            diffSrc = Dnnl.unbound(flat);
            args.put(dnnl.DNNL_ARG_DST, dst);
            args.put(dnnl.DNNL_ARG_DIFF_DST, diffDst);
            args.put(dnnl.DNNL_ARG_DIFF_SRC, diffSrc);
        }

        void run(INDArray output, INDArray gradAtOutput, INDArray gradAtSums) {
            dst.set_data_handle(Dnnl.address(output));
            diffDst.set_data_handle(Dnnl.address(gradAtOutput));
            diffSrc.set_data_handle(Dnnl.address(gradAtSums));
            primitive.execute(Dnnl.stream(), args);
            Dnnl.stream()._wait();
        }
    }
}
