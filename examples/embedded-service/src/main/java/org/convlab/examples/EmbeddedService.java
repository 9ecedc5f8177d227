package org.convlab.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.convlab.ConvLabException;
import org.convlab.infer.Classifier;
import org.convlab.infer.Prediction;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;

/**
 * A classifier behind {@code POST /classify}: the request body is an encoded image (PNG, JPEG, ...), the answer
 * the model's top predictions as JSON. Mistakes in a request are answered 4xx with {@code {"error": ...}}.
 *
 * <pre>
 * java -cp 'target/classes:target/lib/*' org.convlab.examples.EmbeddedService REGISTRY MODEL[:VERSION] [PORT]
 * curl --data-binary @shoe.png http://127.0.0.1:8080/classify?top=3
 * </pre>
 */
public final class EmbeddedService {
    private static final int MAX_BODY_BYTES = 16 << 20;
    private static final int MAX_TOP = 100;

    private final Classifier classifier;
    private final String model;

    private EmbeddedService(Classifier classifier) {
        this.classifier = classifier;
        this.model = classifier.card().name() + ":" + classifier.card().version();
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: EmbeddedService REGISTRY MODEL[:VERSION] [PORT]   (PORT 0: any free port; default 8080)");
            System.exit(2);
        }
        Classifier classifier = Classifier.load(Path.of(args[0]), args[1]);
        EmbeddedService service = new EmbeddedService(classifier);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", args.length == 3 ? Integer.parseInt(args[2]) : 8080), 0);
        ExecutorService workers = Executors.newFixedThreadPool(4);
        server.setExecutor(workers);
        server.createContext("/classify", service::classify);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop(2);          // finish the answers under way, for up to two seconds
            workers.shutdown();
            classifier.close();      // frees the replicas
        }));
        server.start();
        System.out.println("serving " + service.model + " on http://127.0.0.1:" + server.getAddress().getPort() + "/classify");
    }

    private void classify(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!exchange.getRequestMethod().equals("POST")) {
                exchange.getResponseHeaders().set("Allow", "POST");
                answer(exchange, 405, error("use POST with an image as the body"));
                return;
            }
            int top;
            try {
                top = topOf(exchange.getRequestURI().getQuery());
            } catch (IllegalArgumentException e) {
                answer(exchange, 400, error(e.getMessage()));
                return;
            }
            byte[] image = readAtMost(exchange.getRequestBody(), MAX_BODY_BYTES);
            if (image == null) {
                answer(exchange, 413, error("the image is over " + (MAX_BODY_BYTES >> 20) + " MB"));
                return;
            }
            List<Prediction> predictions;
            try {
                predictions = classifier.predict(image, Math.min(top, classifier.labels().size()));
            } catch (ConvLabException e) {   // not an image, a damaged one, one too large: the client's mistake
                answer(exchange, 400, error(e.getMessage()));
                return;
            }
            answer(exchange, 200, "{\"model\": " + quote(model) + ", \"predictions\": [" + predictions.stream()
                    .map(p -> "{\"label\": " + quote(p.label()) + ", \"probability\": " + p.probability() + "}")
                    .collect(Collectors.joining(", ")) + "]}");
        }
    }

    private static int topOf(String query) {
        if (query == null || query.isEmpty()) {
            return 5;
        }
        for (String pair : query.split("&")) {
            if (pair.startsWith("top=")) {
                try {
                    int top = Integer.parseInt(pair.substring(4));
                    if (top >= 1 && top <= MAX_TOP) {
                        return top;
                    }
                } catch (NumberFormatException ignored) {
                    // answered below
                }
                throw new IllegalArgumentException("top must be a whole number from 1 to " + MAX_TOP + ", received '"
                        + pair.substring(4) + "'");
            }
        }
        return 5;
    }

    /** The whole body, or null when it holds more than {@code limit} bytes. */
    private static byte[] readAtMost(InputStream body, int limit) throws IOException {
        byte[] bytes = body.readNBytes(limit + 1);
        return bytes.length > limit ? null : bytes;
    }

    private static void answer(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static String error(String message) {
        return "{\"error\": " + quote(message) + "}";
    }

    /** A JSON string: quotes, backslashes and control characters escaped. */
    private static String quote(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> out.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        return out.append('"').toString();
    }
}
