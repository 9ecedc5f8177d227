package org.convlab.ops;

import org.apache.commons.math3.special.Erf;
import org.convlab.ConvLabException;

import java.util.Locale;
import java.util.function.DoubleUnaryOperator;

/**
 * The element-wise non-linearities, each with its formula and derivative. Constants follow
 * DL4J's defaults where frameworks differ (leaky ReLU slope 0.01, ELU alpha 1, hard sigmoid
 * 0.2x + 0.5, GELU by its exact erf form). Softmax works on a whole vector: see {@link #softmax}.
 */
public enum ActivationFunction {
    LINEAR("f(x) = x", x -> x, x -> 1),
    RELU("f(x) = max(0, x)", x -> Math.max(0, x), x -> x > 0 ? 1 : 0),
    LEAKY_RELU("f(x) = x if x > 0, else 0.01x", x -> x > 0 ? x : 0.01 * x, x -> x > 0 ? 1 : 0.01),
    ELU("f(x) = x if x > 0, else e^x - 1", x -> x > 0 ? x : Math.expm1(x), x -> x > 0 ? 1 : Math.exp(x)),
    SELU("f(x) = 1.0507 (x if x > 0, else 1.6733 (e^x - 1))",
            x -> Selu.SCALE * (x > 0 ? x : Selu.ALPHA * Math.expm1(x)),
            x -> Selu.SCALE * (x > 0 ? 1 : Selu.ALPHA * Math.exp(x))),
    SIGMOID("f(x) = 1 / (1 + e^-x)", ActivationFunction::sigmoid, x -> sigmoid(x) * (1 - sigmoid(x))),
    HARD_SIGMOID("f(x) = max(0, min(1, 0.2x + 0.5))", x -> Math.max(0, Math.min(1, 0.2 * x + 0.5)),
            x -> x > -2.5 && x < 2.5 ? 0.2 : 0),
    TANH("f(x) = (e^x - e^-x) / (e^x + e^-x)", Math::tanh, x -> 1 - Math.tanh(x) * Math.tanh(x)),
    SOFTPLUS("f(x) = ln(1 + e^x)", x -> Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))), ActivationFunction::sigmoid),
    SOFTSIGN("f(x) = x / (1 + |x|)", x -> x / (1 + Math.abs(x)), x -> 1 / ((1 + Math.abs(x)) * (1 + Math.abs(x)))),
    SWISH("f(x) = x / (1 + e^-x)", x -> x * sigmoid(x), x -> sigmoid(x) + x * sigmoid(x) * (1 - sigmoid(x))),
    GELU("f(x) = x Phi(x) = x (1 + erf(x / sqrt 2)) / 2", x -> x * Gauss.cdf(x), x -> Gauss.cdf(x) + x * Gauss.pdf(x));

    private final String formula;
    private final DoubleUnaryOperator function;
    private final DoubleUnaryOperator derivative;

    ActivationFunction(String formula, DoubleUnaryOperator function, DoubleUnaryOperator derivative) {
        this.formula = formula;
        this.function = function;
        this.derivative = derivative;
    }

    public double apply(double x) {
        return function.applyAsDouble(x);
    }

    public double derivative(double x) {
        return derivative.applyAsDouble(x);
    }

    public String formula() {
        return formula;
    }

    /** The name as specs and the command line write it: {@code leaky_relu}. */
    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ActivationFunction parse(String text) {
        return find(text.trim().toLowerCase(Locale.ROOT)).orElseThrow(
                () -> new ConvLabException("activation '" + text + "' is not known; use one of " + knownNames()));
    }

    /** The function whose {@link #keyword()} is exactly {@code name} (softmax, a vector function, is none of these). */
    public static java.util.Optional<ActivationFunction> find(String name) {
        for (ActivationFunction f : values()) {
            if (f.keyword().equals(name)) {
                return java.util.Optional.of(f);
            }
        }
        return java.util.Optional.empty();
    }

    /** All names, comma-separated, softmax included. */
    public static String knownNames() {
        StringBuilder sb = new StringBuilder();
        for (ActivationFunction f : values()) {
            sb.append(f.keyword()).append(", ");
        }
        return sb.append("softmax").toString();
    }

    /** Applies the function to every value of a volume. */
    public Volume apply(Volume x) {
        Volume out = new Volume(x.height(), x.width(), x.channels());
        for (int r = 0; r < x.height(); r++) {
            for (int c = 0; c < x.width(); c++) {
                for (int ch = 0; ch < x.channels(); ch++) {
                    out.set(r, c, ch, apply(x.get(r, c, ch)));
                }
            }
        }
        return out;
    }

    /** Softmax: {@code e^(x_i - max) / sum_j e^(x_j - max)}; the shift by the maximum avoids overflow. */
    public static double[] softmax(double[] x) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            max = Math.max(max, v);
        }
        double[] out = new double[x.length];
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            out[i] = Math.exp(x[i] - max);
            sum += out[i];
        }
        for (int i = 0; i < x.length; i++) {
            out[i] /= sum;
        }
        return out;
    }

    private static double sigmoid(double x) {
        return 1 / (1 + Math.exp(-x));
    }

    /** SELU's constants (Klambauer et al., 2017). */
    private static final class Selu {
        static final double ALPHA = 1.6732632423543772;
        static final double SCALE = 1.0507009873554805;
    }

    /** The standard normal distribution, for GELU. */
    private static final class Gauss {
        static double pdf(double x) {
            return Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI);
        }

        static double cdf(double x) {
            return 0.5 * (1 + Erf.erf(x / Math.sqrt(2)));
        }
    }
}
