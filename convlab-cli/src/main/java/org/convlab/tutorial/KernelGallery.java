package org.convlab.tutorial;

import org.convlab.kernels.Kernels;
import org.convlab.plot.KernelGrid;
import org.convlab.plot.Pictures;

import java.nio.file.Path;

/**
 * "Let's play with filters": the author's {@code plot_with_kernels(img)}, on
 * {@code data/samples/coffee.png} (or the image given as the second argument).
 */
public final class KernelGallery {
    private KernelGallery() {
    }

    public static void main(String[] args) {
        Path out = Examples.output(args, "kernels.png");
        Path image = args.length > 1 ? Path.of(args[1]) : Path.of("data", "samples", "coffee.png");
        Pictures.writePng(KernelGrid.render(Pictures.read(image), Kernels.authors()), out);
        System.out.println("wrote " + out.toAbsolutePath());
    }
}
