import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

import java.io.DataInputStream;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * Test accuracy of an exported ONNX file (`convlab export onnx`, fp32 or int8) on ONNX Runtime over Fashion-MNIST's
 * 10,000 test images, for comparing with `convlab evaluate` on the same model. A benchmark helper, not part of ConvLab.
 *
 * Usage: java -cp onnxruntime.jar scripts/OrtAccuracy.java MODEL.onnx [FASHION_MNIST_DIR]
 *   (default folder /usr/share/datasets/fashion-mnist, with t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz)
 */
public final class OrtAccuracy {
    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: java -cp onnxruntime.jar scripts/OrtAccuracy.java MODEL.onnx [FASHION_MNIST_DIR]");
            System.exit(2);
        }
        Path dir = Path.of(args.length > 1 ? args[1] : "/usr/share/datasets/fashion-mnist");
        if (!Files.isRegularFile(Path.of(args[0]))) {
            fail(args[0] + " is not a file; give an ONNX file written by convlab export onnx");
        }
        if (!Files.isRegularFile(dir.resolve("t10k-images-idx3-ubyte.gz")) || !Files.isRegularFile(dir.resolve("t10k-labels-idx1-ubyte.gz"))) {
            fail(dir + " holds no t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz; give Fashion-MNIST's folder");
        }
        byte[] images = idx(dir.resolve("t10k-images-idx3-ubyte.gz"), 16);
        byte[] labels = idx(dir.resolve("t10k-labels-idx1-ubyte.gz"), 8);
        int n = labels.length;
        int pixels = images.length / n;
        int side = (int) Math.round(Math.sqrt(pixels));
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        int correct = 0;
        int batch = 100;
        try (OrtSession session = createSession(env, args[0], options)) {
            String precision = session.getMetadata().getCustomMetadata().getOrDefault("precision", "fp32");
            for (int start = 0; start < n; start += batch) {
                int b = Math.min(batch, n - start);
                float[] x = new float[b * pixels];
                for (int i = 0; i < x.length; i++) {
                    x[i] = images[start * pixels + i] & 0xff; // 0..255: the graph divides itself
                }
                try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {b, 1, side, side});
                     OrtSession.Result r = session.run(Map.of("pixels", t))) {
                    float[][] p = (float[][]) r.get(0).getValue();
                    for (int i = 0; i < b; i++) {
                        int best = 0;
                        for (int k = 1; k < p[i].length; k++) {
                            if (p[i][k] > p[i][best]) {
                                best = k;
                            }
                        }
                        correct += best == labels[start + i] ? 1 : 0;
                    }
                }
            }
            System.out.printf(Locale.US, "%s (%s) on ONNX Runtime %s: accuracy %.4f on %d test images%n",
                    Path.of(args[0]).getFileName(), precision, env.getVersion(), correct / (double) n, n);
        }
    }

    private static OrtSession createSession(OrtEnvironment env, String file, OrtSession.SessionOptions options) {
        try {
            return env.createSession(file, options);
        } catch (ai.onnxruntime.OrtException e) {
            fail(file + " is not a model ONNX Runtime reads (" + e.getMessage() + "); give a file written by convlab export onnx");
            return null;
        }
    }

    private static void fail(String message) {
        System.err.println("OrtAccuracy: " + message);
        System.exit(2);
    }

    private static byte[] idx(Path file, int header) throws IOException {
        try (DataInputStream in = new DataInputStream(new GZIPInputStream(Files.newInputStream(file)))) {
            in.skipNBytes(header);
            return in.readAllBytes();
        }
    }
}
