package org.convlab.arch;

import org.convlab.ConvLabException;
import org.convlab.ops.ActivationFunction;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;

import java.util.EnumMap;
import java.util.Map;

/**
 * DL4J's function for each activation a spec may name. The names are the tutorial's
 * ({@link ActivationFunction}, Keras' spelling) plus {@code softmax}; this class only maps them.
 */
public final class Activations {
    public static final String SOFTMAX = "softmax";
    private static final Map<ActivationFunction, Activation> DL4J = new EnumMap<>(ActivationFunction.class);

    static {
        DL4J.put(ActivationFunction.LINEAR, Activation.IDENTITY);
        DL4J.put(ActivationFunction.RELU, Activation.RELU);
        DL4J.put(ActivationFunction.LEAKY_RELU, Activation.LEAKYRELU);
        DL4J.put(ActivationFunction.ELU, Activation.ELU);
        DL4J.put(ActivationFunction.SELU, Activation.SELU);
        DL4J.put(ActivationFunction.SIGMOID, Activation.SIGMOID);
        DL4J.put(ActivationFunction.HARD_SIGMOID, Activation.HARDSIGMOID);
        DL4J.put(ActivationFunction.TANH, Activation.TANH);
        DL4J.put(ActivationFunction.SOFTPLUS, Activation.SOFTPLUS);
        DL4J.put(ActivationFunction.SOFTSIGN, Activation.SOFTSIGN);
        DL4J.put(ActivationFunction.SWISH, Activation.SWISH);
        DL4J.put(ActivationFunction.GELU, Activation.GELU);
    }

    private Activations() {
    }

    /** True when {@code name} is a known activation. */
    public static boolean isKnown(String name) {
        return SOFTMAX.equals(name) || ActivationFunction.find(name).isPresent();
    }

    /**
     * DL4J's activation for a spec name; fails with the list of known names. GELU is
     * {@link ExactGelu}: DL4J's own are approximations.
     */
    public static IActivation toDl4j(String name) {
        if (SOFTMAX.equals(name)) {
            return Activation.SOFTMAX.getActivationFunction();
        }
        ActivationFunction f = ActivationFunction.find(name).orElseThrow(
                () -> new ConvLabException("activation '" + name + "' is not known; use one of " + known()));
        return f == ActivationFunction.GELU ? new ExactGelu() : DL4J.get(f).getActivationFunction();
    }

    /** The known names, comma-separated. */
    public static String known() {
        return ActivationFunction.knownNames();
    }
}
