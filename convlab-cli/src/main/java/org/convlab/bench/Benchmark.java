package org.convlab.bench;

import org.convlab.arch.ArchitectureSpec;
import org.convlab.arch.FlopCount;
import org.convlab.arch.GraphBuilder;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.convlab.arch.InputShape;
import org.convlab.env.EnvironmentInfo;
import org.convlab.runtime.Int8Calibration;
import org.convlab.runtime.MemoryBudget;
import org.convlab.runtime.Precision;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.convlab.runtime.Networks;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Steady-state speed of an architecture on random data: training and inference images per
 * second at a batch size (median over timed iterations, after warm-up: DL4J needs about ten
 * iterations to settle, and each phase then runs on until the JIT compiler is quiet, see
 * {@link JitSettle}), single-image latency (p50, p95), achieved GFLOP/s from the spec's FLOP
 * count, peak memory (after the inference phases, which run first, and over the whole run), and the
 * backend and precision that ran.
 *
 * <pre>{@code
 * Benchmark.Result r = Benchmark.run(Architectures.get("fruits-cnn"), 32, 10, 20, 50, Duration.ofSeconds(20));
 * r.trainImagesPerSec();
 * }</pre>
 */
public final class Benchmark {
    private Benchmark() {
    }

    /** {@code trainImagesPerSec} and {@code trainGflops} are null in int8, which is for inference only. */
    public record Result(String arch, String input, int batch, int warmup, int iterations, Double trainImagesPerSec,
                         double inferImagesPerSec, double latencyMsP50, double latencyMsP95, Double trainGflops,
                         double inferGflops, long forwardFlopsPerImage, long inferencePeakRssMb, long peakRssMb,
                         long peakHeapMb, long peakOffheapMb, Double dataImagesPerSec, double peakGflops, String precision,
                         String backend, Map<String, String> environment) {

        /** The same result with the data pipeline's figure added. */
        public Result withData(double imagesPerSec) {
            return new Result(arch, input, batch, warmup, iterations, trainImagesPerSec, inferImagesPerSec, latencyMsP50,
                    latencyMsP95, trainGflops, inferGflops, forwardFlopsPerImage, inferencePeakRssMb, peakRssMb, peakHeapMb,
                    peakOffheapMb,
                    imagesPerSec, peakGflops, precision, backend, environment);
        }
    }

    public static Result run(ArchitectureSpec spec, int batch, int warmup, int iterations, int latencySamples,
                             Duration settle) {
        return run(GraphBuilder.of(spec), batch, warmup, iterations, latencySamples, settle);
    }

    /** The same on a graph configured by {@code builder} (data format, workspace mode). */
    public static Result run(GraphBuilder builder, int batch, int warmup, int iterations, int latencySamples,
                             Duration settle) {
        Map<String, String> env = EnvironmentInfo.describe();
        ArchitectureSpec spec = builder.spec();
        ComputationGraph graph = builder.optSeed(1).build();
        MemoryBudget.requireForBatch(graph, InputType.convolutional(spec.input().height(), spec.input().width(),
                spec.input().channels(), builder.dataFormat()), batch, true, "benchmarking '" + spec.name() + "'",
                "use a smaller batch size");
        InputShape in = spec.input();
        DataSet ds = randomBatch(spec, batch, builder.dataFormat());
        INDArray x = ds.getFeatures();
        OffHeapPeak offHeap = new OffHeapPeak();

        boolean int8 = Precision.active() == Precision.INT8;
        // Inference first, on the initial weights (speed does not depend on their values), so that the resident
        // set after it is what inference alone needs; then training. Inference runs on a frozen copy, weights
        // packed once, as Classifier and the server run it; int8 over ranges measured on a few images of the
        // benchmark's own batch.
        ComputationGraph frozen = Networks.frozen(graph, int8 ? Int8Calibration.measure(graph,
                List.of(x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, Math.min(batch, 8))).dup())) : null);
        for (int i = 0; i < warmup; i++) {
            frozen.outputSingle(false, x);
        }
        JitSettle.run(() -> frozen.outputSingle(false, x), settle);
        double[] infer = new double[iterations];
        for (int i = 0; i < iterations; i++) {
            long t = System.nanoTime();
            frozen.outputSingle(false, x);
            infer[i] = (System.nanoTime() - t) / 1e9;
            offHeap.sample();
        }
        INDArray one = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)).dup();
        for (int i = 0; i < warmup; i++) {
            frozen.outputSingle(false, one);
        }
        JitSettle.run(() -> frozen.outputSingle(false, one), settle);
        double[] latency = new double[latencySamples];
        for (int i = 0; i < latencySamples; i++) {
            long t = System.nanoTime();
            frozen.outputSingle(false, one);
            latency[i] = (System.nanoTime() - t) / 1e6;
        }
        long inferencePeakRss = peakRssMb();
        Double trainRate = null;
        if (!int8) {
            for (int i = 0; i < warmup; i++) {
                graph.fit(ds);
            }
            JitSettle.run(() -> graph.fit(ds), settle);
            double[] train = new double[iterations];
            for (int i = 0; i < iterations; i++) {
                long t = System.nanoTime();
                graph.fit(ds);
                train[i] = (System.nanoTime() - t) / 1e9;
                offHeap.sample();
            }
            trainRate = batch / median(train);
        }
        double inferRate = batch / median(infer);
        long forward = FlopCount.forward(spec);
        return new Result(spec.name(), in.toString(), batch, warmup, iterations, trainRate, inferRate,
                percentile(latency, 50), percentile(latency, 95), trainRate == null ? null : trainRate * FlopCount.training(spec) / 1e9,
                inferRate * forward / 1e9, forward, inferencePeakRss, peakRssMb(), peakHeapMb(), offHeap.peak >> 20, null,
                sgemmGflops(),
                Precision.active().label(), env.get("backend") + " " + env.get("nd4j_build") + ", convolutions: " + env.get("conv_engine"),
                env);
    }

    /**
     * The machine's practical FP32 peak: GFLOP/s of a 2048^3 single-precision matrix product
     * through ND4J's BLAS (best of 5), the yardstick for the model's achieved GFLOP/s.
     */
    public static double sgemmGflops() {
        int n = 2048;
        INDArray a = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray b = Nd4j.rand(DataType.FLOAT, n, n);
        INDArray c = Nd4j.zeros(DataType.FLOAT, n, n);
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 6; i++) {
            long t = System.nanoTime();
            Nd4j.gemm(a, b, c, false, false, 1.0, 0.0);
            if (i > 0) { // the first call pays for thread start-up
                best = Math.min(best, (System.nanoTime() - t) / 1e9);
            }
        }
        return 2.0 * n * n * n / best / 1e9;
    }

    /** Uniform random images (in the graph's layout) with labels cycling through the classes: what speed is measured on. */
    static DataSet randomBatch(ArchitectureSpec spec, int batch, CNN2DFormat format) {
        InputShape in = spec.input();
        INDArray x = format == CNN2DFormat.NHWC
                ? Nd4j.rand(DataType.FLOAT, batch, in.height(), in.width(), in.channels())
                : Nd4j.rand(DataType.FLOAT, batch, in.channels(), in.height(), in.width());
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, spec.classes());
        for (int i = 0; i < batch; i++) {
            y.putScalar(i, i % spec.classes(), 1f);
        }
        return new DataSet(x, y);
    }

    static double median(double[] values) {
        return percentile(values, 50);
    }

    /** Nearest-rank percentile. */
    static double percentile(double[] values, double p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    /** Peak resident set of this process (VmHWM), MB. */
    static long peakRssMb() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM:"))
                    .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) >> 10).findFirst().orElse(-1L);
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    static long peakHeapMb() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak >> 20;
    }

    /** Native memory outside the Java heap (resident set minus committed heap), sampled. */
    private static final class OffHeapPeak {
        long peak;

        void sample() {
            peak = Math.max(peak, org.bytedeco.javacpp.Pointer.physicalBytes() - Runtime.getRuntime().totalMemory());
        }
    }
}
