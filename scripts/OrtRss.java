import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;

import java.awt.image.BufferedImage;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * The inference peer's memory: ONNX Runtime (Java API, CPU, 2 intra-op threads, every graph optimisation) runs a
 * file of `convlab export onnx` on one grey image N times and prints its peak resident set size and the class
 * index it chose. The graph takes NCHW pixels 0..255 in the card's channel order.
 *
 * <pre>
 * java -cp ~/.m2/repository/com/microsoft/onnxruntime/onnxruntime/1.20.0/onnxruntime-1.20.0.jar \
 *     scripts/OrtRss.java fashion-cnn.onnx data/samples/ankle-boot.png 500
 * </pre>
 */
public class OrtRss {
    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        BufferedImage image = ImageIO.read(Path.of(args[1]).toFile());
        int calls = Integer.parseInt(args[2]);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(2);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        try (OrtSession session = env.createSession(model.toString(), options)) {
            String input = session.getInputNames().iterator().next();
            long[] shape = (long[]) ((ai.onnxruntime.TensorInfo) session.getInputInfo().get(input).getInfo()).getShape();
            int h = (int) shape[2];
            int w = (int) shape[3];
            float[] pixels = new float[h * w];
            BufferedImage grey = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            grey.getGraphics().drawImage(image, 0, 0, w, h, null);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    pixels[y * w + x] = grey.getRaster().getSample(x, y, 0);
                }
            }
            int best = -1;
            for (int i = 0; i < calls; i++) {
                try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), new long[] {1, 1, h, w});
                     OrtSession.Result result = session.run(Map.of(input, t))) {
                    float[] p = ((float[][]) result.get(0).getValue())[0];
                    best = 0;
                    for (int k = 1; k < p.length; k++) {
                        best = p[k] > p[best] ? k : best;
                    }
                }
            }
            System.out.println("calls " + calls + ", class " + best + ", peak_rss_mb " + peakRssMb());
        }
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
