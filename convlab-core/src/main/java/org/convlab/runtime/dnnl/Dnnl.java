package org.convlab.runtime.dnnl;

import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.dnnl.dnnl_version_t;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.pointers.PagedPointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * oneDNN (JavaCPP's {@code org.bytedeco:dnnl} preset), called directly rather than through libnd4j.
 *
 * <p>One CPU engine for the process and one stream per thread (oneDNN streams are not
 * thread-safe). ND4J arrays are handed to oneDNN by address, without copies.
 */
public final class Dnnl {
    private static volatile engine engine;
    private static final ThreadLocal<stream> STREAMS = ThreadLocal.withInitial(() -> new stream(engine()));

    private Dnnl() {
    }

    /** The CPU engine; loads oneDNN's natives on first use. */
    public static engine engine() {
        if (engine == null) {
            synchronized (Dnnl.class) {
                if (engine == null) {
                    engine = new engine(org.bytedeco.dnnl.engine.kind.cpu, 0);
                }
            }
        }
        return engine;
    }

    /** This thread's stream. */
    static stream stream() {
        return STREAMS.get();
    }

    /** oneDNN's version, e.g. "2.5.2" (its kernels pick the widest vector instructions at run time). */
    public static String version() {
        engine();
        dnnl_version_t v = dnnl.dnnl_version();
        return v.major() + "." + v.minor() + "." + v.patch();
    }

    /** A plain f32 memory description. */
    static memory.desc plain(long[] dims, memory.format_tag tag) {
        return new memory.desc(dims, memory.data_type.f32, tag);
    }

    /** The dimensions a memory description describes. */
    static long[] dims(memory.desc desc) {
        var raw = desc.data();
        long[] dims = new long[raw.ndims()];
        raw.dims().get(dims);
        return dims;
    }

    /** A memory description of any element type. */
    static memory.desc of(long[] dims, memory.data_type type, memory.format_tag tag) {
        return new memory.desc(dims, type, tag);
    }

    /**
     * Whether this CPU computes in bfloat16 natively (AVX512_BF16, {@code lscpu} flag avx512_bf16),
     * as oneDNN sees it. Elsewhere oneDNN would emulate bf16 slower than it computes float.
     */
    public static boolean nativeBf16() {
        engine();
        int isa = dnnl.dnnl_get_effective_cpu_isa();
        int bf16 = dnnl.cpu_isa.avx512_core_bf16.value;
        return (isa & bf16) == bf16;
    }

    /**
     * Whether this CPU multiplies 8-bit integers natively into 32-bit sums (VNNI: {@code lscpu} flag
     * avx512_vnni or avx_vnni), as oneDNN sees it. Without it oneDNN's int8 kernels pair u8 x s8
     * products into 16 bits, which can saturate.
     */
    public static boolean nativeInt8() {
        engine();
        int isa = dnnl.dnnl_get_effective_cpu_isa();
        int avx512 = dnnl.cpu_isa.avx512_core_vnni.value;
        int avx2 = dnnl.cpu_isa.avx2_vnni.value;
        return (isa & avx512) == avx512 || (isa & avx2) == avx2;
    }

    /** A reorder from {@code from} to {@code to}, multiplying by {@code scaling}'s scales on the way when it is not null. */
    static reorder reorder(memory from, memory to, primitive_attr scaling) {
        return scaling == null ? new reorder(from, to) : new reorder(new reorder.primitive_desc(from, to, scaling, false));
    }

    /** Whether {@code type} is one of the 8-bit integer types int8 layers hand over. */
    static boolean integer(memory.data_type type) {
        return type.value == memory.data_type.u8.value || type.value == memory.data_type.s8.value;
    }

    /** A memory object over {@code desc} whose data pointer is set before each use. */
    static memory unbound(memory.desc desc) {
        return new memory(desc, engine(), new Pointer());
    }

    /** Whether oneDNN can read {@code array} in place: float, its elements dense in C order. */
    static boolean dense(INDArray array) {
        if (array.dataType() != DataType.FLOAT) {
            return false;
        }
        // Judged by the strides alone, skipping dimensions of size 1 (never stepped over): DL4J's view of
        // a one-channel layer's weight gradient, [nOut, 1, kH, kW], reports order 'f' with C's strides.
        long[] shape = array.shape();
        long[] stride = array.stride();
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /** The array itself when oneDNN can read it in place ({@link #dense}), else a dense C-order copy. */
    static INDArray readable(INDArray array) {
        return dense(array) ? array : array.dup('c');
    }

    /** The address of an array's first element (views included). */
    static Pointer address(INDArray array) {
        return new PagedPointer(array.data().addressPointer().address());
    }
}
