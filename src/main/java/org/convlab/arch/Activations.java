package org.convlab.arch;

import org.convlab.ConvLabException;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;

import java.util.LinkedHashMap;
import java.util.Map;

/** Activation names as a spec writes them (Keras' spelling), and DL4J's function for each. */
public final class Activations {
    private static final Map<String, Activation> BY_NAME = new LinkedHashMap<>();

    static {
        BY_NAME.put("linear", Activation.IDENTITY);
        BY_NAME.put("relu", Activation.RELU);
        BY_NAME.put("leaky_relu", Activation.LEAKYRELU);
        BY_NAME.put("elu", Activation.ELU);
        BY_NAME.put("selu", Activation.SELU);
        BY_NAME.put("sigmoid", Activation.SIGMOID);
        BY_NAME.put("hard_sigmoid", Activation.HARDSIGMOID);
        BY_NAME.put("tanh", Activation.TANH);
        BY_NAME.put("softplus", Activation.SOFTPLUS);
        BY_NAME.put("softsign", Activation.SOFTSIGN);
        BY_NAME.put("swish", Activation.SWISH);
        BY_NAME.put("gelu", Activation.GELU);
        BY_NAME.put("softmax", Activation.SOFTMAX);
    }

    private Activations() {
    }

    /** True when {@code name} is a known activation. */
    public static boolean isKnown(String name) {
        return BY_NAME.containsKey(name);
    }

    /**
     * DL4J's activation for a spec name; fails with the list of known names. GELU is
     * {@link ExactGelu}: DL4J's own are approximations.
     */
    public static IActivation toDl4j(String name) {
        Activation a = BY_NAME.get(name);
        if (a == null) {
            throw new ConvLabException("activation '" + name + "' is not known; use one of " + known());
        }
        return a == Activation.GELU ? new ExactGelu() : a.getActivationFunction();
    }

    /** The known names, comma-separated. */
    public static String known() {
        return String.join(", ", BY_NAME.keySet());
    }
}
