package org.convlab.cli;

import org.convlab.ConvLabException;
import org.convlab.ops.Convolution;
import org.convlab.ops.MatrixCsv;
import org.convlab.ops.Padding;
import org.convlab.ops.StepText;
import org.convlab.ops.Volume;
import org.convlab.plot.Pictures;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code convlab conv}: the tutorial's convolution on a matrix (CSV) or on an image (PNG). */
@Command(name = "conv", mixinStandardHelpOptions = true,
        description = {"Convolve a matrix or an image with a kernel, step by step as the tutorial explains.",
                "Examples:",
                "  convlab conv --matrix in.csv --kernel sharpen --stride 2 --padding same --explain",
                "  convlab conv --image fruit.png --kernel edge-detection-3 --out edges.png"})
final class ConvCommand implements Callable<Integer> {

    static final class Source {
        @Option(names = "--matrix", paramLabel = "IN.csv", required = true,
                description = "A matrix as CSV: one row a line, values separated by commas.")
        Path matrix;

        @Option(names = "--image", paramLabel = "IMG", required = true,
                description = "An image (PNG, JPEG, GIF, BMP); each channel is convolved on its own.")
        Path image;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--kernel", paramLabel = "K.csv|NAME", required = true,
            description = "A kernel CSV file or a named kernel (convlab kernels --list shows them).")
    String kernel;

    @Option(names = "--stride", converter = Counts.AtLeastOne.class, defaultValue = "1", description = "How far the kernel slides each step. Default: ${DEFAULT-VALUE}.")
    int stride;

    @Option(names = "--padding", defaultValue = "valid", paramLabel = "same|valid",
            description = "'same' keeps the size (zeros around the input), 'valid' adds none. Default: ${DEFAULT-VALUE}.")
    String padding;

    @Option(names = "--bias", defaultValue = "0", description = "Added to every output value. Default: ${DEFAULT-VALUE}.")
    double bias;

    @Option(names = "--explain", description = "Print the 7 steps for the first output cells before the result.")
    boolean explain;

    @Option(names = "--cells", converter = Counts.AtLeastOne.class, defaultValue = "2", description = "How many output cells --explain works through. Default: ${DEFAULT-VALUE}.")
    int cells;

    @Option(names = "--grey", description = "With --image: convert to grey first.")
    boolean grey;

    @Option(names = "--out", paramLabel = "OUT.png", description = "With --image: where to write the result (required).")
    Path out;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() {
        double[][] k = KernelOption.resolve(kernel);
        Padding pad = Padding.parse(padding);
        PrintWriter stdout = command.commandLine().getOut();
        PrintWriter stderr = command.commandLine().getErr();
        if (!Double.isFinite(bias)) {
            throw new ConvLabException("--bias must be a finite number, received " + bias);
        }
        if (pad == Padding.SAME && (k.length % 2 == 0 || k[0].length % 2 == 0)) {
            stderr.println("note: an even-sized " + k.length + "x" + k[0].length + " kernel has no centre; with 'same' padding"
                    + " the extra zero row/column goes at the bottom/right, as in TensorFlow and Keras");
        }
        if (source.image != null) {
            return image(k, pad, stdout);
        }
        Volume x = Volume.of(MatrixCsv.read(source.matrix));
        Convolution conv = Convolution.of(Volume.of(k)).optStride(stride).optPadding(pad).optBias(bias).build();
        Volume y = conv.apply(x);
        if (explain) {
            stdout.print(StepText.render(conv.explain(x, cells), Volume.of(k), x, stride, pad));
            stdout.printf("%nStep 7: repeated for all %d output cells. Result (%dx%d):%n", y.height() * y.width(), y.height(), y.width());
        }
        stdout.print(MatrixCsv.format(y.channel(0)));
        stdout.flush();
        return ConvLab.EXIT_OK;
    }

    private int image(double[][] k, Padding pad, PrintWriter stdout) {
        if (out == null) {
            throw new ConvLabException("--image needs --out OUT.png, the file to write the result to");
        }
        if (explain) {
            throw new ConvLabException("--explain works with --matrix; for an image use a small CSV crop instead");
        }
        Volume x = Pictures.toVolume(Pictures.read(source.image), grey);
        Volume y = Convolution.perChannel(x, k, stride, pad, bias);
        Pictures.writePng(Pictures.toImage(y), out);
        stdout.printf("wrote %s (%dx%d, %s, values clamped to 0..255)%n", out, y.width(), y.height(),
                y.channels() == 1 ? "grey" : "RGB");
        stdout.flush();
        return ConvLab.EXIT_OK;
    }
}
