package org.convlab.runtime.dnnl;

/**
 * The values one layer's input took over a calibration sample, which an int8 layer maps onto its
 * integers: 0..255 (u8) when the input is never negative, as after a ReLU, else -127..127 (s8,
 * symmetric about zero). Values outside the range saturate.
 *
 * <pre>{@code
 * new ActivationRange(0f, 6.35f);    // u8, 40.2 steps per unit
 * new ActivationRange(-1f, 6.35f);   // s8, 20 steps per unit
 * }</pre>
 */
public record ActivationRange(float min, float max) {

    public ActivationRange {
        if (!Float.isFinite(min) || !Float.isFinite(max) || min > max) {
            throw new IllegalArgumentException("an activation range needs finite min <= max, received [" + min + ", "
                    + max + "]");
        }
    }

    /** Whether the input is never negative, so it is quantized to u8 (else s8). */
    boolean unsigned() {
        return min >= 0;
    }

    /** Integer steps per unit: a float x becomes round(x * scale), clipped to the type's range. */
    float scale() {
        float limit = Math.max(Math.abs(min), Math.abs(max));
        return limit == 0 ? 1f : (unsigned() ? 255f : 127f) / limit;
    }
}
