import org.convlab.infer.Classifier;
import org.convlab.runtime.Precision;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Loads and closes one stored model N times in one JVM, classifying an image each time, and prints the resident
 * set size after the first load, then every tenth: it must not grow with the count (Classifier.close frees the
 * replicas' native memory). Run on a class path holding convlab-core, e.g. the example service's:
 *
 * <pre>
 * java -cp 'examples/embedded-service/target/lib/*' scripts/LoadCloseRss.java models fashion-cnn data/samples/ankle-boot.png 50 [fp32|bf16|int8]
 * </pre>
 */
public class LoadCloseRss {
    public static void main(String[] args) throws Exception {
        Path registry = Path.of(args[0]);
        String model = args[1];
        Path image = Path.of(args[2]);
        int count = Integer.parseInt(args[3]);
        Precision precision = args.length > 4 ? Precision.parse(args[4]) : Precision.FP32;
        System.out.printf("%-6s %-8s %s%n", "loads", "rss_mb", "top-1");
        for (int i = 1; i <= count; i++) {
            String top;
            try (Classifier c = Classifier.builder().setRegistry(registry).setModel(model).optPrecision(precision).build()) {
                top = c.predict(image, 1).get(0).label();
            }
            if (i == 1 || i % 10 == 0) {
                System.gc(); // JavaCPP frees what the collector finds unreachable; close() has freed the replicas already
                System.out.printf("%-6d %-8d %s%n", i, rssMb(), top);
            }
        }
    }

    private static long rssMb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
            }
        }
        return -1;
    }
}
