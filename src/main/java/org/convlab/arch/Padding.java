package org.convlab.arch;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import org.convlab.ConvLabException;

import java.util.Locale;

/** Keras/TensorFlow padding modes for convolution and pooling. */
public enum Padding {
    /** Zero-pad so the output is {@code ceil(n / stride)}; the odd extra row/column goes bottom/right. */
    SAME,
    /** No padding: the output is {@code floor((n - k) / stride) + 1}. */
    VALID;

    @JsonValue
    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }

    @JsonCreator
    public static Padding parse(String text) {
        for (Padding p : values()) {
            if (p.keyword().equalsIgnoreCase(text.trim())) {
                return p;
            }
        }
        throw new ConvLabException("padding '" + text + "' is not known; use 'same' or 'valid'");
    }

    /** Output length of one side of a window sliding over {@code n} cells. */
    public int outputSize(int n, int kernel, int stride) {
        return this == SAME ? (n + stride - 1) / stride : Math.floorDiv(n - kernel, stride) + 1;
    }
}
