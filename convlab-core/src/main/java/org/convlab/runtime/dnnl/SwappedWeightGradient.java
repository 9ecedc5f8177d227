package org.convlab.runtime.dnnl;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.memory.data_type;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The weight and bias gradients of a stride-1 convolution on small maps (3x3 and less), computed as a
 * forward convolution with the batch and channel axes swapped.
 *
 * <p>Why: oneDNN 2.5's backward-weights kernels reduce over the batch and split poorly where a map
 * has a handful of pixels. In the main job's 256->256 layer on 3x3 maps (batch 64, bf16) the weight
 * gradient took 2.4-3.3 ms, four times the layer's forward pass, while the same arithmetic as a
 * forward convolution (the input read as 256 images of 64 channels, the output gradient as 256
 * filters of 64 channels) took 0.8 ms.
 *
 * <p>How: {@code dW[o][c][i][j] = sum over n, y, x of dY[n][o][y][x] * X[n][c][y + i - top][x + j - left]}
 * is the forward convolution of X seen as [C, N, H, W] with dY seen as filters [O, N, OH, OW], same
 * padding, stride 1, giving [C, O, KH, KW]: dW with its first two axes swapped. Each array is only
 * described with its axes permuted; the reorders into and out of the kernel's layouts do the moving.
 * The bias gradient, the sum of dY over batch and map, comes out of the same pass: one more image,
 * all ones, whose tap at the padding offset sums every dY (oneDNN 2.5's reduction primitive has
 * only its reference kernel for this, 1.7 ms a call).
 *
 * <pre>{@code
 * if (SwappedWeightGradient.suits(g)) {
 *     SwappedWeightGradient w = new SwappedWeightGradient(g, inLayout, outLayout, data_type.bf16);
 *     w.run(input, delta, weightGrad, biasGrad);
 * }
 * }</pre>
 */
final class SwappedWeightGradient {
    /** Maps of at most this many pixels go this way: 3x3 gained; at 7x7 the swapped pass was no faster. */
    static final long MAX_PIXELS = 9;
    private static final int[] SWAP_FIRST_TWO = {1, 0, 2, 3};

    private final convolution_forward conv;
    private final IntMemoryMap args = new IntMemoryMap();
    /** The convolution's own input and output buffers (held so that their memory stays). */
    private final memory images;
    private final memory results;
    private final memory imagesUser;
    private final memory imagesInput;
    private final reorder toImages;
    private final Operand filters;
    private final memory weightsResult;
    private final memory weightsUser;
    private final reorder toWeights;
    private final memory biasResult;
    private final memory biasUser;
    private final reorder toBias;

    /** Whether {@code g} is a stride-1, undilated convolution on maps small enough to gain. */
    static boolean suits(DnnlConvolution.Geometry g) {
        return g.strides()[0] == 1 && g.strides()[1] == 1 && g.dilation()[0] == 0 && g.dilation()[1] == 0
                && g.oh() * g.ow() <= MAX_PIXELS && g.padLeft()[0] < g.kh() && g.padLeft()[1] < g.kw();
    }

    /**
     * @param inLayout   how the layer's input lies in memory (plain NCHW, or a link's layout and type)
     * @param outLayout  how the gradient at the layer's sums lies (the layout of its output)
     * @param multiplied the type the products are taken in (f32, or bf16 with float sums)
     */
    SwappedWeightGradient(DnnlConvolution.Geometry g, memory.desc inLayout, memory.desc outLayout, data_type multiplied) {
        long c = g.c();
        long[] imageDims = {c + 1, g.n(), g.h(), g.w()};
        long[] filterDims = {g.oc(), g.n(), g.oh(), g.ow()};
        long[] resultDims = {c + 1, g.oc(), g.kh(), g.kw()};
        convolution_forward.primitive_desc pd = new convolution_forward.primitive_desc(new convolution_forward.desc(
                dnnl.prop_kind.forward_training, dnnl.algorithm.convolution_direct, Dnnl.of(imageDims, multiplied, memory.format_tag.any),
                Dnnl.of(filterDims, multiplied, memory.format_tag.any), Dnnl.of(resultDims, data_type.f32, memory.format_tag.any),
                g.strides(), g.dilation(), g.padLeft(), g.padRight()), Dnnl.engine());
        conv = new convolution_forward(pd);

        // The images: the layer's input in the first C, ones in the last (written once: this memory is this geometry's own).
        images = new memory(pd.src_desc(), Dnnl.engine());
        long[] inputPart = {c, g.n(), g.h(), g.w()};
        imagesUser = Dnnl.unbound(inLayout.permute_axes(SWAP_FIRST_TWO));
        imagesInput = new memory(pd.src_desc().submemory_desc(inputPart, new long[4]), Dnnl.engine(), images.get_data_handle());
        toImages = new reorder(imagesUser, imagesInput);
        long[] onesPart = {1, g.n(), g.h(), g.w()};
        fillWithOnes(new memory(pd.src_desc().submemory_desc(onesPart, new long[] {c, 0, 0, 0}), Dnnl.engine(),
                images.get_data_handle()), onesPart);
        filters = new Operand(outLayout.permute_axes(SWAP_FIRST_TWO), pd.weights_desc(), Scratch.Slot.DIFF_DST);

        // The results: dW (axes swapped) in the first C, the bias gradient at the ones image's padding tap.
        results = new memory(pd.dst_desc(), Dnnl.engine());
        weightsResult = new memory(pd.dst_desc().submemory_desc(new long[] {c, g.oc(), g.kh(), g.kw()}, new long[4]),
                Dnnl.engine(), results.get_data_handle());
        weightsUser = Dnnl.unbound(Dnnl.plain(g.weightShape(), memory.format_tag.oihw).permute_axes(SWAP_FIRST_TWO));
        toWeights = new reorder(weightsResult, weightsUser);
        biasResult = new memory(pd.dst_desc().submemory_desc(new long[] {1, g.oc(), 1, 1},
                new long[] {c, 0, g.padLeft()[0], g.padLeft()[1]}), Dnnl.engine(), results.get_data_handle());
        biasUser = Dnnl.unbound(Dnnl.plain(new long[] {1, g.oc(), 1, 1}, memory.format_tag.nchw));
        toBias = new reorder(biasResult, biasUser);

        args.put(dnnl.DNNL_ARG_SRC, images);
        args.put(dnnl.DNNL_ARG_WEIGHTS, filters.inner);
        args.put(dnnl.DNNL_ARG_DST, results);
    }

    private static void fillWithOnes(memory target, long[] dims) {
        long count = dims[0] * dims[1] * dims[2] * dims[3];
        FloatPointer ones = new FloatPointer(count);
        for (long i = 0; i < count; i++) {
            ones.put(i, 1f);
        }
        memory plain = new memory(Dnnl.plain(dims, memory.format_tag.nchw), Dnnl.engine(), ones);
        new reorder(plain, target).execute(Dnnl.stream(), plain, target);
        Dnnl.stream()._wait();
        ones.close();
    }

    /** Writes the gradients of {@code delta} (at the layer's sums) for {@code input} into the two gradient arrays. */
    void run(INDArray input, INDArray delta, INDArray weightGrad, INDArray biasGrad) {
        imagesUser.set_data_handle(Dnnl.address(input));
        toImages.execute(Dnnl.stream(), imagesUser, imagesInput);
        filters.bindIn(delta);
        conv.execute(Dnnl.stream(), args);
        weightsUser.set_data_handle(Dnnl.address(weightGrad));
        toWeights.execute(Dnnl.stream(), weightsResult, weightsUser);
        biasUser.set_data_handle(Dnnl.address(biasGrad));
        toBias.execute(Dnnl.stream(), biasResult, biasUser);
    }
}
