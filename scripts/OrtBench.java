import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The inference peer: ONNX Runtime (Java API, CPU) runs a file of {@code convlab export onnx} the way
 * {@code convlab bench} measures ConvLab's inference: random pixels, warm-up calls, then seconds of untimed
 * calls, images/s from the median of timed batch calls, single-image latency p50 and p95, peak resident set.
 * ONNX Runtime runs at its best: every graph optimisation (batch norm folded, convolutions fused with their
 * activations, NCHWc layouts), and the faster of 1 and 2 intra-op threads for each figure (named in the JSON).
 *
 * <pre>
 * java -cp ~/.m2/repository/com/microsoft/onnxruntime/onnxruntime/1.20.0/onnxruntime-1.20.0.jar \
 *     scripts/OrtBench.java MODEL.onnx BATCH WARMUP ITERATIONS LATENCY_SAMPLES SETTLE_SECONDS
 * </pre>
 * Prints one JSON object with the keys {@code convlab bench --json} uses for the same figures.
 */
public class OrtBench {
    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            System.err.println("usage: OrtBench MODEL.onnx BATCH WARMUP ITERATIONS LATENCY_SAMPLES SETTLE_SECONDS");
            System.exit(2);
        }
        Path model = Path.of(args[0]);
        int batch = Integer.parseInt(args[1]);
        int warmup = Integer.parseInt(args[2]);
        int iterations = Integer.parseInt(args[3]);
        int samples = Integer.parseInt(args[4]);
        double settle = Double.parseDouble(args[5]);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        double[] bestBatch = null;
        double[] bestOne = null;
        int batchThreads = 0;
        int oneThreads = 0;
        String shape = "";
        String precision = "fp32";
        for (int threads : new int[] {2, 1}) {
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            try (OrtSession session = env.createSession(model.toString(), options)) {
                String input = session.getInputNames().iterator().next();
                precision = session.getMetadata().getCustomMetadata().getOrDefault("precision", "fp32"); // ConvLab's export says
                long[] dims = ((TensorInfo) session.getInputInfo().get(input).getInfo()).getShape();
                shape = dims[2] + "x" + dims[3] + "x" + dims[1];
                double[] many = timed(env, session, input, pixels(batch, dims), new long[] {batch, dims[1], dims[2], dims[3]}, warmup, iterations, settle);
                double[] one = timed(env, session, input, pixels(1, dims), new long[] {1, dims[1], dims[2], dims[3]}, warmup, samples, settle);
                if (bestBatch == null || median(many) < median(bestBatch)) {
                    bestBatch = many;
                    batchThreads = threads;
                }
                if (bestOne == null || median(one) < median(bestOne)) {
                    bestOne = one;
                    oneThreads = threads;
                }
            }
        }
        System.out.printf(Locale.US, "{\"arch\": \"%s (ONNX Runtime)\", \"input\": \"%s\", \"batch\": %d, \"precision\": \"%s\","
                        + " \"train_images_per_sec\": null, \"infer_images_per_sec\": %.2f, \"latency_ms_p50\": %.4f,"
                        + " \"latency_ms_p95\": %.4f, \"inference_peak_rss_mb\": %d, \"peak_rss_mb\": %d, \"infer_threads\": %d,"
                        + " \"latency_threads\": %d,"
                        + " \"backend\": \"onnxruntime %s (Java), all graph optimisations, %d intra-op threads (latency: %d)\"}%n",
                model.getFileName(), shape, batch, precision, batch / median(bestBatch), percentile(bestOne, 50) * 1e3,
                percentile(bestOne, 95) * 1e3, peakRssMb(), peakRssMb(), batchThreads, oneThreads, env.getVersion(), batchThreads, oneThreads);
    }

    /** Uniform random pixels 0..255, NCHW, as the exported graph takes them. */
    private static float[] pixels(int n, long[] dims) {
        Random random = new Random(1);
        float[] x = new float[(int) (n * dims[1] * dims[2] * dims[3])];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextFloat() * 255f;
        }
        return x;
    }

    /** Seconds per call, after {@code warmup} calls and {@code settle} seconds of untimed ones. */
    private static double[] timed(OrtEnvironment env, OrtSession session, String input, float[] x, long[] shape, int warmup,
                                  int calls, double settle) throws Exception {
        try (OnnxTensor tensor = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), shape)) {
            Map<String, OnnxTensor> feed = Map.of(input, tensor);
            for (int i = 0; i < warmup; i++) {
                session.run(feed).close();
            }
            long end = System.nanoTime() + (long) (settle * 1e9);
            while (System.nanoTime() < end) {
                session.run(feed).close();
            }
            List<Double> times = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                long t = System.nanoTime();
                session.run(feed).close();
                times.add((System.nanoTime() - t) / 1e9);
            }
            return times.stream().mapToDouble(Double::doubleValue).toArray();
        }
    }

    private static double median(double[] values) {
        return percentile(values, 50);
    }

    /** Nearest-rank percentile, as bench computes it. */
    private static double percentile(double[] values, double p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static long peakRssMb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmHWM:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        return -1;
    }
}
