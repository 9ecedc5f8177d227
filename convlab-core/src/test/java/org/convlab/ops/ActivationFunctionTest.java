package org.convlab.ops;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ActivationFunctionTest {

    @Test
    void knownValues() {
        assertEquals(0.5, ActivationFunction.SIGMOID.apply(0));
        assertEquals(0, ActivationFunction.RELU.apply(-3));
        assertEquals(-0.03, ActivationFunction.LEAKY_RELU.apply(-3), 1e-12);
        assertEquals(Math.tanh(1), ActivationFunction.TANH.apply(1));
        assertEquals(Math.log(2), ActivationFunction.SOFTPLUS.apply(0), 1e-12);
        assertEquals(0.5, ActivationFunction.SOFTSIGN.apply(1));
        assertEquals(1.0, ActivationFunction.HARD_SIGMOID.apply(3));
        assertEquals(0.6, ActivationFunction.HARD_SIGMOID.apply(0.5), 1e-12);
        // GELU(1) = Phi(1) = 0.8413447460685429 (standard normal table)
        assertEquals(0.8413447460685429, ActivationFunction.GELU.apply(1), 1e-9);
        assertEquals(1.0507009873554805 * 1.6732632423543772 * Math.expm1(-1), ActivationFunction.SELU.apply(-1), 1e-12);
    }

    @Test
    void derivativesMatchFiniteDifferences() {
        double h = 1e-5;
        for (ActivationFunction f : ActivationFunction.values()) {
            for (double x : new double[] {-2.3, -0.7, 0.4, 1.9}) {
                double numeric = (f.apply(x + h) - f.apply(x - h)) / (2 * h);
                assertEquals(numeric, f.derivative(x), 1e-6, f + " at " + x);
            }
        }
    }

    @Test
    void softmaxSumsToOneAndSurvivesLargeInputs() {
        double[] p = ActivationFunction.softmax(new double[] {1000, 1001, 1002});
        assertEquals(1.0, p[0] + p[1] + p[2], 1e-12);
        // e^0 : e^1 : e^2
        assertEquals(Math.exp(2) / (1 + Math.E + Math.exp(2)), p[2], 1e-12);
    }
}
