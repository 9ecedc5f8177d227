package org.convlab.tutorial;

import org.convlab.ops.ActivationFunction;
import org.convlab.plot.ActivationPlot;
import org.convlab.plot.Pictures;

import java.nio.file.Path;
import java.util.List;

/** "Non-linearity": the author's {@code plot_activations()}: sigmoid, tanh and ReLU over [-20, 20). */
public final class NonLinearity {
    private NonLinearity() {
    }

    public static void main(String[] args) {
        List<ActivationFunction> functions = List.of(ActivationFunction.SIGMOID, ActivationFunction.TANH, ActivationFunction.RELU);
        System.out.printf("%6s %10s %10s %10s%n", "x", "sigmoid", "tanh", "relu");
        for (double x = -4; x <= 4; x += 2) {
            System.out.printf("%6.1f %10.4f %10.4f %10.4f%n", x, functions.get(0).apply(x), functions.get(1).apply(x), functions.get(2).apply(x));
        }
        Path out = Examples.output(args, "activations.png");
        Pictures.writePng(ActivationPlot.render(functions, -20, 20, false), out);
        System.out.println("wrote " + out.toAbsolutePath());
    }
}
