package org.convlab.runtime.dnnl;

import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * What an int8 layer needs besides its primitive, worked out once from its constant weights and
 * its input's calibrated range: the scales of the weights (one per output channel, each row's
 * largest magnitude onto 127), the input's scale, the scales that turn the int32 sums back into
 * floats, and the bias in the sums' units (oneDNN adds it before scaling back).
 *
 * <p>Products run as u8 x s8 (or s8 x s8) with int32 sums on AVX512_VNNI, oneDNN 2.5's fast int8
 * kernels; a layer's output is float again, so batch norms, pooling and the float layers between
 * quantized ones are unchanged; except where the only reader is another int8 convolution: then the
 * sums are scaled straight onto that layer's input integers (requantized), and the tensor between
 * them is a quarter of the bytes and needs no second pass to quantize it.
 */
final class Int8 {
    final memory.data_type inputType;
    final float inputScale;
    /** u8 or s8 when the output is requantized for the next int8 layer; null for float output. */
    final memory.data_type outputType;
    final float[] weightScales;
    final float[] outputScales;
    /**
     * The bias times input and weight scale, as oneDNN wants it for int8: oneDNN's own memory, as
     * this is made inside a forward pass, where an ND4J array would live in a workspace that is reused.
     */
    final memory scaledBias;

    /**
     * @param rows  the weights as one row per output channel ([nOut, anything], C order)
     * @param bias  the bias (nOut values), or null for none
     * @param input the calibrated range of the layer's input
     * @param output the calibrated range of the next layer's input, to write that layer's integers; null to write floats
     */
    Int8(INDArray rows, INDArray bias, ActivationRange input, ActivationRange output) {
        inputType = input.unsigned() ? memory.data_type.u8 : memory.data_type.s8;
        inputScale = input.scale();
        outputType = output == null ? null : output.unsigned() ? memory.data_type.u8 : memory.data_type.s8;
        float outputScale = output == null ? 1f : output.scale();
        float[] largest = Transforms.abs(rows.reshape('c', rows.size(0), -1)).max(1).toFloatVector();
        int n = largest.length;
        weightScales = new float[n];
        outputScales = new float[n];
        float[] b = bias == null ? new float[n] : bias.reshape(n).toFloatVector();
        float[] scaled = new float[n];
        for (int i = 0; i < n; i++) {
            weightScales[i] = largest[i] == 0 ? 1f : 127f / largest[i];
            outputScales[i] = outputScale / (inputScale * weightScales[i]);
            scaled[i] = b[i] * inputScale * weightScales[i];
        }
        scaledBias = new memory(Dnnl.plain(new long[] {n}, memory.format_tag.x), Dnnl.engine());
        new FloatPointer(scaledBias.get_data_handle()).put(scaled);
    }

    /** A reorder (or primitive) attribute that multiplies by {@code scales}, per index of dimension {@code dim} or all alike when one. */
    static primitive_attr scaling(float[] scales, int dim) {
        primitive_attr attr = new primitive_attr();
        attr.set_output_scales(scales.length == 1 ? 0 : 1 << dim, scales);
        return attr;
    }
}
