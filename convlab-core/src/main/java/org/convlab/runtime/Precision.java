package org.convlab.runtime;

import java.util.Locale;
import org.convlab.BadSettingException;
import org.convlab.ConvLabException;
import org.convlab.Setting;
import org.convlab.runtime.dnnl.Dnnl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The number format convolutions multiply in: {@code fp32} (the default), {@code bf16},
 * bfloat16 products with float accumulation, float master weights and float loss, the way
 * PyTorch's CPU autocast runs, or {@code int8}, for inference only: frozen graphs multiply 8-bit
 * integers in their convolution and hidden dense layers, over input ranges calibrated on training
 * images ({@link Int8Calibration}); graphs that train stay fp32. A model's precision is passed to
 * what loads it ({@code Classifier.builder().optPrecision(...)}, {@code StoredModel.frozen(Precision)},
 * {@link Networks#frozen(org.deeplearning4j.nn.graph.ComputationGraph, Precision, Int8Calibration)}), so
 * models of several precisions live in one process; what is loaded without one takes the default
 * ({@link #requested()}: {@link #request}, else {@code -Dconvlab.precision}, else {@code CONVLAB_PRECISION},
 * else fp32). Both need ConvLab's oneDNN engine; bf16 a CPU with AVX512_BF16 ({@code lscpu} flag
 * avx512_bf16), int8 one with VNNI (avx512_vnni or avx_vnni). Elsewhere they warn once and run in fp32.
 *
 * <pre>{@code
 * Classifier int8 = Classifier.builder().setRegistry(registry).setModel("fashion").optPrecision(Precision.INT8).build();
 * int8.precision();                                 // INT8 on a VNNI CPU, else FP32
 * Precision.request(Precision.BF16);                // the default for what is loaded without a precision
 * }</pre>
 */
public enum Precision {
    FP32,
    BF16,
    INT8;

    public static final String PROPERTY = "convlab.precision";
    public static final String ENV = "CONVLAB_PRECISION";
    private static final Logger LOG = LoggerFactory.getLogger(Precision.class);
    private static volatile boolean warned;
    private static volatile Precision processDefault;

    /** "fp32", "bf16" or "int8", as the command line and the model card write it. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The precision named {@code text} ("fp32", "bf16", "int8"). */
    public static Precision parse(String text) {
        for (Precision p : values()) {
            if (p.label().equals(text.trim().toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        throw new BadSettingException(Setting.PRECISION,
                "%s must be fp32, bf16 or int8, received '" + BadSettingException.literal(text) + "'");
    }

    /**
     * Makes {@code precision} this process's default: graphs built, loaded or copied afterwards without a
     * precision of their own use it (the command line's {@code --precision}); null goes back to the property
     * and environment.
     */
    public static void request(Precision precision) {
        processDefault = precision;
    }

    /** The default precision: {@link #request}'s, else the property, else the environment; FP32 when none says. */
    public static Precision requested() {
        Precision asked = processDefault;
        if (asked != null) {
            return asked;
        }
        String property = System.getProperty(PROPERTY);
        String value = property != null ? property : System.getenv(ENV);
        if (value == null || value.isBlank()) {
            return FP32;
        }
        try {
            return parse(value);
        } catch (BadSettingException e) {
            // Named as the user wrote it: an environment variable or a -D property, not an option.
            throw new ConvLabException((property != null ? "-D" + PROPERTY : ENV) + "='" + value
                    + "' is not a precision; use fp32, bf16 or int8");
        }
    }

    /** The precision the default runs in here ({@link #available} of {@link #requested()}). */
    public static Precision active() {
        return available(requested());
    }

    /** The precision convolutions really run in when {@code requested} is asked for: BF16 or INT8 only where the CPU has it. */
    public static Precision available(Precision requested) {
        if (requested == FP32) {
            return FP32;
        }
        String missing;
        if (ConvEngine.active() != ConvEngine.DNNL) {
            missing = "ConvLab's oneDNN engine (convolutions run on " + ConvEngine.describeActive() + ")";
        } else if (requested == BF16) {
            missing = Dnnl.nativeBf16() ? null : "a CPU with AVX512_BF16 (lscpu flag avx512_bf16), which this one lacks";
        } else {
            missing = Dnnl.nativeInt8() ? null : "a CPU with VNNI (lscpu flag avx512_vnni or avx_vnni), which this one lacks";
        }
        if (missing == null) {
            return requested;
        }
        if (!warned) {
            warned = true;
            LOG.warn("{} needs {}; running in fp32", requested.label(), missing);
        }
        return FP32;
    }
}
