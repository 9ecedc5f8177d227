package org.convlab.cli;

import org.convlab.ConvLabException;
import org.convlab.ops.ActivationFunction;
import org.convlab.plot.ActivationPlot;
import org.convlab.plot.Pictures;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code convlab activations}: the activation functions' curves in one picture. */
@Command(name = "activations", mixinStandardHelpOptions = true,
        description = {"Plot activation functions, each with its formula and labelled axes.",
                "Example: convlab activations --functions sigmoid,tanh,relu --range -20:20 --out activations.png"})
final class ActivationsCommand implements Callable<Integer> {
    @Option(names = "--out", required = true, paramLabel = "PLOT.png", description = "Where to write the picture.")
    Path out;

    @Option(names = "--range", defaultValue = "-20:20", paramLabel = "FROM:TO", description = "x range. Default: ${DEFAULT-VALUE}.")
    String range;

    @Option(names = "--functions", split = ",", paramLabel = "NAME",
            description = "Which functions (default: all): linear, relu, leaky_relu, elu, selu, sigmoid, hard_sigmoid, tanh, softplus, softsign, swish, gelu.")
    List<String> functions;

    @Option(names = "--derivative", description = "Also draw each function's derivative.")
    boolean derivative;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() {
        double[] bounds = parseRange(range);
        List<ActivationFunction> chosen = functions == null
                ? Arrays.stream(ActivationFunction.values()).filter(f -> f != ActivationFunction.LINEAR).toList()
                : functions.stream().map(ActivationFunction::parse).toList();
        BufferedImage picture = ActivationPlot.render(chosen, bounds[0], bounds[1], derivative);
        Pictures.writePng(picture, out);
        command.commandLine().getOut().printf("wrote %s (%dx%d): %d function(s) over [%s, %s)%n", out, picture.getWidth(),
                picture.getHeight(), chosen.size(), bounds[0], bounds[1]);
        command.commandLine().getOut().flush();
        return ConvLab.EXIT_OK;
    }

    static double[] parseRange(String text) {
        String[] parts = text.split(":");
        try {
            if (parts.length == 2) {
                double from = Double.parseDouble(parts[0]);
                double to = Double.parseDouble(parts[1]);
                if (Double.isFinite(from) && Double.isFinite(to) && from < to) {
                    return new double[] {from, to};
                }
            }
        } catch (NumberFormatException ignored) {
            // falls through to the message below
        }
        throw new ConvLabException("--range '" + text + "' is not FROM:TO with FROM < TO, e.g. -20:20");
    }
}
