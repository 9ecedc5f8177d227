package org.convlab.cli;

import org.convlab.ConvLabException;
import org.convlab.kernels.Kernel;
import org.convlab.kernels.Kernels;
import org.convlab.ops.MatrixCsv;
import org.convlab.plot.KernelGrid;
import org.convlab.plot.Pictures;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code convlab kernels}: an image through each classic kernel, in one picture (the tutorial's figure). */
@Command(name = "kernels", mixinStandardHelpOptions = true,
        description = {"Draw an image through each classic kernel, one row per kernel.",
                "Each row: the kernel's name, its matrix as a heat map, and the image after it (each channel on its own,"
                        + " stride 1, 'same' padding, clamped to 0..255).",
                "Example: convlab kernels data/samples/fruit.png --out kernels.png"})
final class KernelsCommand implements Callable<Integer> {
    @Parameters(paramLabel = "IMG", arity = "0..1", description = "The input image.")
    Path image;

    @Option(names = "--out", paramLabel = "GRID.png", description = "Where to write the picture.")
    Path out;

    @Option(names = "--all", description = "Every kernel, not only the author's seven.")
    boolean all;

    @Option(names = "--kernels", split = ",", paramLabel = "NAME", description = "Only these kernels, comma-separated.")
    List<String> names;

    @Option(names = "--list", description = "List the kernels with their matrices and exit.")
    boolean list;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() {
        PrintWriter stdout = command.commandLine().getOut();
        if (list) {
            for (Kernel k : Kernels.all()) {
                stdout.printf("%s (%s)%n%s%n", k.name(), k.title(), MatrixCsv.format(k.values()));
            }
            stdout.flush();
            return ConvLab.EXIT_OK;
        }
        if (image == null || out == null) {
            throw new ConvLabException("give an image and --out GRID.png, e.g. convlab kernels photo.png --out kernels.png");
        }
        List<Kernel> kernels = names != null ? names.stream().map(Kernels::get).toList()
                : all ? Kernels.all() : Kernels.authors();
        BufferedImage grid = KernelGrid.render(Pictures.read(image), kernels);
        Pictures.writePng(grid, out);
        stdout.printf("wrote %s (%dx%d): %s%n", out, grid.getWidth(), grid.getHeight(),
                String.join(", ", Arrays.asList(kernels.stream().map(Kernel::name).toArray(String[]::new))));
        stdout.flush();
        return ConvLab.EXIT_OK;
    }
}
