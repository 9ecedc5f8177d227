package org.convlab.cli;

import org.convlab.arch.InputShape;
import org.convlab.arch.GraphBuilder;
import org.convlab.bench.Benchmark;
import org.convlab.bench.ClassifierBenchmark;
import org.convlab.infer.Classifier;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.convlab.bench.LayerProfile;
import org.convlab.data.DataSources;
import org.convlab.data.DataThroughput;
import org.convlab.data.FolderExport;
import org.convlab.data.ImageSource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code convlab bench}: training and inference speed, latency, memory and the data pipeline. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure an architecture's training and inference speed on random data.",
                "Images/s (median of timed iterations after warm-up), single-image latency, GFLOP/s, peak memory, and the"
                        + " data pipeline's images/s.",
                "Example: convlab bench --arch fruits-cnn --batch 32 --json"})
final class BenchCommand implements Callable<Integer> {
    @Mixin
    PrecisionOption precisionOption;

    @Mixin
    ConvAlgorithmOption convAlgorithmOption;

    @Mixin
    ArchOptions archOptions;

    @Option(names = "--batch", converter = Counts.AtLeastOne.class, defaultValue = "32", description = "Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--warmup", converter = Counts.AtLeastZero.class, defaultValue = "10", description = "Untimed iterations first. Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--settle", converter = Counts.AtLeastZero.class, defaultValue = "20", paramLabel = "SECONDS",
            description = "After warm-up, each phase (training, inference, latency) keeps running until the JIT compiler has been quiet for a second, at most this long (0: not at all). Default: ${DEFAULT-VALUE}.")
    int settleSeconds;

    @Option(names = "--iterations", converter = Counts.AtLeastOne.class, defaultValue = "20", description = "Timed iterations. Default: ${DEFAULT-VALUE}.")
    int iterations;

    @Option(names = "--latency-samples", converter = Counts.AtLeastOne.class, defaultValue = "50", description = "Single-image calls timed. Default: ${DEFAULT-VALUE}.")
    int latencySamples;

    @Option(names = "--data", paramLabel = "SRC", description = "Measure the data pipeline on this source (default: generated 100x100 JPEGs).")
    String data;

    @Option(names = "--no-data", description = "Skip the data-pipeline figure.")
    boolean noData;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Option(names = "--format", defaultValue = "nchw", paramLabel = "nchw|nhwc",
            description = "Image layout inside the graph. Default: ${DEFAULT-VALUE}.")
    String format;

    @Option(names = "--workspace", defaultValue = "enabled", paramLabel = "enabled|none",
            description = "DL4J's workspace mode (reused off-heap buffers, or none). Default: ${DEFAULT-VALUE}.")
    String workspace;

    @Option(names = "--cache", defaultValue = "device", paramLabel = "none|device|host",
            description = "Keep convolutions' forward outputs for the backward pass (device, host) or recompute them (none). Default: ${DEFAULT-VALUE}.")
    String cache;

    @Option(names = "--profile", description = "Instead: time each layer's forward and backward pass against the whole training step.")
    boolean profile;

    @Option(names = "--model", paramLabel = "NAME[:VERSION]",
            description = "Instead: a stored model end to end, as Classifier runs it on --image (decode, preprocess, forward, rank).")
    String model;

    @Option(names = "--image", paramLabel = "IMG", description = "With --model: the image file to classify.")
    java.nio.file.Path image;

    @Mixin
    RegistryOption registryOption;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() throws IOException {
        if (model != null) {
            return benchModel();
        }
        GraphBuilder builder = GraphBuilder.of(archOptions.spec())
                .optDataFormat(choice("--format", format, CNN2DFormat.NCHW, CNN2DFormat.NHWC))
                .optWorkspaceMode(choice("--workspace", workspace, WorkspaceMode.ENABLED, WorkspaceMode.NONE))
                .optCacheMode(choice("--cache", cache, CacheMode.NONE, CacheMode.DEVICE, CacheMode.HOST));
        if (profile) {
            return printProfile(LayerProfile.run(builder, batch, iterations));
        }
        Benchmark.Result r = Benchmark.run(builder, batch, warmup, iterations, latencySamples, Duration.ofSeconds(settleSeconds));
        if (!noData) {
            r = r.withData(dataPipeline(r));
        }
        PrintWriter out = command.commandLine().getOut();
        if (json) {
            out.print(Json.write(r));
        } else {
            out.printf(Locale.US, "%s at %s, batch %d, %s (%d warm-up, median of %d iterations) on %s%n", r.arch(), r.input(),
                    r.batch(), r.precision(), r.warmup(), r.iterations(), r.backend());
            if (r.trainImagesPerSec() != null) {
                out.printf(Locale.US, "  train      %8.1f images/s  (%.1f GFLOP/s, %.0f%% of peak)%n", r.trainImagesPerSec(),
                        r.trainGflops(), 100 * r.trainGflops() / r.peakGflops());
            } else {
                out.println("  train      not measured: int8 is for inference (train in fp32 or bf16)");
            }
            out.printf(Locale.US, "  inference  %8.1f images/s  (%.1f GFLOP/s, %.0f%% of peak)%n", r.inferImagesPerSec(), r.inferGflops(),
                    100 * r.inferGflops() / r.peakGflops());
            out.printf(Locale.US, "  peak       %8.1f GFLOP/s FP32 (2048^3 sgemm through ND4J's BLAS)%n", r.peakGflops());
            out.printf(Locale.US, "  latency    p50 %.2f ms, p95 %.2f ms (one image)%n", r.latencyMsP50(), r.latencyMsP95());
            out.printf(Locale.US, "  memory     peak RSS %d MB after inference, %d MB with training; heap %d MB, off-heap %d MB%n",
                    r.inferencePeakRssMb(), r.peakRssMb(), r.peakHeapMb(), r.peakOffheapMb());
            if (r.dataImagesPerSec() != null) {
                out.printf(Locale.US, "  data       %8.1f images/s decoded, resized and scaled (one thread)%n", r.dataImagesPerSec());
            }
        }
        out.flush();
        return ConvLab.EXIT_OK;
    }

    @SafeVarargs
    private static <E extends Enum<E>> E choice(String option, String value, E... allowed) {
        for (E e : allowed) {
            if (e.name().equalsIgnoreCase(value.trim())) {
                return e;
            }
        }
        throw new org.convlab.ConvLabException(option + " '" + value + "' is not known; use one of "
                + String.join(", ", java.util.Arrays.stream(allowed).map(e -> e.name().toLowerCase(Locale.ROOT)).toList()));
    }

    private int benchModel() {
        if (image == null) {
            throw new org.convlab.ConvLabException("--model needs --image IMG: the file the model classifies");
        }
        try (Classifier classifier = Classifier.of(registryOption.open().load(model), 1)) {
            ClassifierBenchmark.Result r = ClassifierBenchmark.run(classifier, image, batch, warmup, iterations, latencySamples,
                    Duration.ofSeconds(settleSeconds));
            PrintWriter out = command.commandLine().getOut();
            if (json) {
                out.print(Json.write(r));
            } else {
                out.printf(Locale.US, "%s on %s, batch %d (median of %d): %.1f images/s; one image: p50 %.2f ms, p99 %.2f ms%n",
                        r.model(), image.getFileName(), r.batch(), r.iterations(), r.imagesPerSec(), r.latencyMsP50(), r.latencyMsP99());
            }
            out.flush();
        }
        return ConvLab.EXIT_OK;
    }

    private int printProfile(LayerProfile.Result p) {
        PrintWriter out = command.commandLine().getOut();
        if (json) {
            out.print(Json.write(p));
            out.flush();
            return ConvLab.EXIT_OK;
        }
        double total = p.layersMs();
        out.printf(Locale.US, "%-20s %-22s %9s %9s %6s %8s%n", "layer", "type", "fwd ms", "bwd ms", "share", "GFLOP/s");
        for (LayerProfile.Row r : p.rows()) {
            out.printf(Locale.US, "%-20s %-22s %9.2f %9.2f %5.1f%% %8.1f%n", r.layer(), r.type(), r.forwardMs(), r.backwardMs(),
                    100 * (r.forwardMs() + r.backwardMs()) / total, r.gflops());
        }
        double rest = p.stepMs() - total;
        out.printf(Locale.US, "layers %.1f ms of a %.1f ms training step (batch %d, medians of %d); %s%n", total, p.stepMs(), p.batch(),
                iterations, rest > 0 ? String.format(Locale.US, "the other %.1f ms: Adam's update, the loss and DL4J's bookkeeping", rest)
                        : "the layers alone account for the whole step");
        out.flush();
        return ConvLab.EXIT_OK;
    }

    private double dataPipeline(Benchmark.Result r) throws IOException {
        InputShape shape = InputShape.parse(r.input());
        if (data != null) {
            ImageSource source = DataArgument.open(data, shape).train();
            return DataThroughput.measure(source, batch, 5, Math.min(source.size(), 2 * batch)).imagesPerSecond();
        }
        Path tmp = Files.createTempDirectory("convlab-bench");
        try {
            Path folder = tmp.resolve("jpegs");
            FolderExport.exportSynthetic(10, 60, new InputShape(100, 100, 3), 1, folder);
            ImageSource source = DataSources.open(org.convlab.data.DataSource.folder(folder), shape).train();
            return DataThroughput.measure(source, batch, 5, 2 * batch).imagesPerSecond();
        } finally {
            org.convlab.io.FileTrees.delete(tmp);
        }
    }
}
