package org.convlab.arch;

import org.convlab.ConvLabException;
import org.deeplearning4j.nn.weights.WeightInit;

import java.util.Locale;

/**
 * How weights start. {@link #GLOROT_UNIFORM} is Keras' default, {@code U(-l, l)} with
 * {@code l = sqrt(6 / (fan_in + fan_out))}; {@link #HE_UNIFORM} uses {@code l = sqrt(6 / fan_in)},
 * the scale that keeps a signal's variance through ReLU layers (He et al., 2015).
 */
public enum WeightInitName {
    GLOROT_UNIFORM(WeightInit.XAVIER_UNIFORM),
    HE_UNIFORM(WeightInit.RELU_UNIFORM);

    private final WeightInit dl4j;

    WeightInitName(WeightInit dl4j) {
        this.dl4j = dl4j;
    }

    public WeightInit dl4j() {
        return dl4j;
    }

    public static WeightInitName parse(String text) {
        for (WeightInitName w : values()) {
            if (w.toString().equalsIgnoreCase(text.trim())) {
                return w;
            }
        }
        throw new ConvLabException("weight init '" + text + "' is not known; use glorot_uniform or he_uniform");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
