package org.convlab.cli;

import org.convlab.ConvLabException;
import org.convlab.arch.InputShape;
import org.convlab.data.DataInspector;
import org.convlab.data.DataReport;
import org.convlab.data.DataSources;
import org.convlab.data.DataThroughput;
import org.convlab.data.FolderExport;
import org.convlab.data.ImageSource;
import org.convlab.data.Problem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** {@code convlab data}: inspect a data source, export generated images, measure the pipeline. */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Data sources: a folder of class folders (Fruits-360 layout), fashion-mnist, an IDX folder, or synthetic:CLASSES:PER_CLASS; any of them with filters :classes=LIST (names, indices, ranges such as 5-9) and :per-class=N.",
        subcommands = {DataCommand.Inspect.class, DataCommand.Export.class, DataCommand.Bench.class})
final class DataCommand {

    @Command(name = "inspect", mixinStandardHelpOptions = true,
            description = {"List classes with their counts, image sizes and modes, and every file that cannot be used, by path.",
                    "Example: convlab data inspect fruits-360/Training --json"})
    static final class Inspect implements java.util.concurrent.Callable<Integer> {
        @Parameters(paramLabel = "SRC", description = "The data source.")
        String src;

        @Option(names = "--json", description = "Print the report as JSON.")
        boolean json;

        @Spec
        CommandSpec command;

        @Override
        public Integer call() {
            DataReport r = DataInspector.inspect(DataArgument.ready(src));
            PrintWriter out = command.commandLine().getOut();
            if (json) {
                out.print(Json.write(r));
            } else {
                out.printf("%s: %d usable images in %d classes%n", r.source(), r.usable(), r.classes().size());
                r.parts().forEach(p -> out.printf("  part %s: %d images, %d classes%n", p.name(), p.usable(), p.classes()));
                out.println("classes:");
                r.classes().forEach((k, v) -> out.printf("  %-24s %d%n", k, v));
                out.println("sizes (WxH): " + counts(r.sizes()));
                out.println("modes: " + counts(r.modes()));
                out.println(r.problems().isEmpty() ? "problems: none" : "problems (" + r.problems().size() + "):");
                for (Problem p : r.problems()) {
                    out.println("  " + p.path() + ": " + p.reason());
                }
            }
            out.flush();
            return ConvLab.EXIT_OK;
        }

        private static String counts(Map<String, Integer> m) {
            StringBuilder sb = new StringBuilder();
            m.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : ", ").append(k).append(" (").append(v).append(')'));
            return sb.isEmpty() ? "none" : sb.toString();
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true,
            description = {"Write generated shapes as a folder of class folders of JPEGs (the Fruits-360 layout).",
                    "Example: convlab data export synthetic:10:200 --size 100x100x3 --out /tmp/shapes"})
    static final class Export implements java.util.concurrent.Callable<Integer> {
        @Parameters(paramLabel = "synthetic:CLASSES:PER_CLASS")
        String src;

        @Option(names = "--size", defaultValue = "100x100x3", paramLabel = "HxWxC", description = "Image size. Default: ${DEFAULT-VALUE}.")
        String size;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "A new folder to create.")
        Path out;

        @Option(names = "--seed", defaultValue = "1", description = "Default: ${DEFAULT-VALUE}.")
        long seed;

        @Spec
        CommandSpec command;

        @Override
        public Integer call() {
            String[] parts = src.split(":");
            if (parts.length != 3 || !parts[0].equals(DataSources.SYNTHETIC)) {
                throw new ConvLabException("export takes synthetic:CLASSES:PER_CLASS, received '" + src + "'");
            }
            int n;
            try {
                n = FolderExport.exportSynthetic(Integer.parseInt(parts[1]), Integer.parseInt(parts[2]), InputShape.parse(size), seed, out);
            } catch (NumberFormatException e) {
                throw new ConvLabException("'" + src + "' is not synthetic:CLASSES:PER_CLASS with whole numbers");
            }
            command.commandLine().getOut().printf("wrote %d JPEG images to %s%n", n, out);
            command.commandLine().getOut().flush();
            return ConvLab.EXIT_OK;
        }
    }

    @Command(name = "bench", mixinStandardHelpOptions = true,
            description = {"Measure how many images per second the pipeline decodes, resizes and scales (one thread).",
                    "Example: convlab data bench /tmp/shapes --seconds 10"})
    static final class Bench implements java.util.concurrent.Callable<Integer> {
        @Parameters(paramLabel = "SRC")
        String src;

        @Option(names = "--input", paramLabel = "HxWxC", description = "Bring images to this size (default: their own).")
        String input;

        @Option(names = "--batch", converter = Counts.AtLeastOne.class, defaultValue = "32", description = "Default: ${DEFAULT-VALUE}.")
        int batch;

        @Option(names = "--seconds", converter = Counts.AboveZero.class, defaultValue = "10", description = "Timed duration. Default: ${DEFAULT-VALUE}.")
        double seconds;

        @Option(names = "--augment", description = "Include the training augmentation.")
        boolean augment;

        @Option(names = "--json", description = "Print the figure as JSON.")
        boolean json;

        @Spec
        CommandSpec command;

        @Override
        public Integer call() {
            ImageSource source = DataArgument.open(src, input == null ? null : InputShape.parse(input)).train();
            if (augment) {
                source = source.augmented(1);
            }
            DataThroughput.Measurement m = DataThroughput.measure(source, batch, seconds, Math.min(source.size(), 4 * batch));
            PrintWriter out = command.commandLine().getOut();
            if (json) {
                out.print(Json.write(Map.of("source", src, "shape", source.shape().toString(), "images", m.images(),
                        "seconds", m.seconds(), "images_per_sec", m.imagesPerSecond(), "augment", augment)));
            } else {
                out.printf(Locale.US, "%s at %s%s: %.0f images/s (%d images in %.1f s, batch %d, one thread)%n", src, source.shape(),
                        augment ? " with augmentation" : "", m.imagesPerSecond(), m.images(), m.seconds(), batch);
            }
            out.flush();
            return ConvLab.EXIT_OK;
        }
    }
}
