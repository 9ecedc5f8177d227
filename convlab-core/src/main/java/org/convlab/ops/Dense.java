package org.convlab.ops;

import org.convlab.ConvLabException;

/**
 * A dense (fully connected) layer: every input is connected to every unit,
 * {@code y_j = f(sum_i x_i w_ij + b_j)}. Its parameters are one weight per connection plus one
 * bias per unit: the tutorial's 9,216 inputs into 1,024 units need 9216 x 1024 + 1024 = 9,438,208.
 */
public final class Dense {
    private Dense() {
    }

    /** Number of weights and biases of a layer of {@code units} fed by {@code inputs} values. */
    public static long paramCount(long inputs, long units) {
        return inputs * units + units;
    }

    /** The layer's output before its activation; {@code weights} is inputs x units. */
    public static double[] apply(double[] x, double[][] weights, double[] bias) {
        if (weights.length != x.length) {
            throw new ConvLabException("expected weights with " + x.length + " rows (one per input), received " + weights.length);
        }
        double[] out = bias.clone();
        for (int i = 0; i < x.length; i++) {
            if (weights[i].length != bias.length) {
                throw new ConvLabException("expected " + bias.length + " weights per input (one per unit), received " + weights[i].length);
            }
            for (int j = 0; j < bias.length; j++) {
                out[j] += x[i] * weights[i][j];
            }
        }
        return out;
    }
}
