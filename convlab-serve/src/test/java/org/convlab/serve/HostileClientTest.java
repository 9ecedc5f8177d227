package org.convlab.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.convlab.train.TinyModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.convlab.serve.InferenceServerTest.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Requests a careless or hostile client sends: each is a 4xx with a JSON error, and the server keeps answering. */
@Tag("slow") // a server over loopback
class HostileClientTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path registry;
    static InferenceServer server;
    static byte[] image;

    @BeforeAll
    static void trainAndServe() throws IOException {
        TinyModels.train(registry, 2, new ByteArrayOutputStream());
        image = InferenceServerTest.png(org.convlab.data.SyntheticShapes.draw(0, 16, 16, new java.util.Random(3)));
        server = InferenceServer.builder().setRegistry(registry).optPort(0).build().start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static String v2(String shape, String data) {
        return "{\"inputs\": [{\"name\": \"input_1\", \"shape\": " + shape + ", \"datatype\": \"FP32\", \"data\": " + data + "}]}";
    }

    private static void assertRefused(HttpResponse<String> r, int code, String words) throws IOException {
        assertEquals(code, r.statusCode(), r.body());
        String error = JSON.readTree(r.body()).get("error").asText();
        assertTrue(error.contains(words), error);
        assertFalse(error.contains("Exception") || error.contains("\tat "), "no Java internals: " + error);
    }

    @Test
    void kserveShapesAreCheckedBeforeAnythingIsAllocated() throws Exception {
        String[][] cases = {
            // Another model's shape, declared in a 100-byte body: 2 GB of floats if allocated first.
            {v2("[1, 25000, 20000, 1]", "[1, 2, 3]"), "expected shape [N, 16, 16, 3]"},
            // The model's shape with a batch that multiplies past long's range, and one past it as written.
            {v2("[9223372036854775807, 16, 16, 3]", "[1, 2, 3]"), "\"data\" has 3"},
            {v2("[99999999999999999999, 16, 16, 3]", "[1, 2, 3]"), "positive sizes"},
            {v2("[2000000000, 16, 16, 3]", "[1, 2, 3]"), "holds 1536000000000 values, \"data\" has 3"},
            {v2("[1, 16, 16]", "[1]"), "4 numbers"},
            {v2("[1, 16, 16, \"x\"]", "[1]"), "4 numbers"},
            {v2("[1, 16, 16, 3]", "[1, \"a\"]"), "must hold numbers"},
            {"{\"inputs\": []}", "exactly one tensor"},
            {"[1, 2]", "not JSON"},
        };
        for (String[] c : cases) {
            assertRefused(post(server, "/v2/models/shapes/infer", c[0].getBytes(StandardCharsets.UTF_8), "application/json"), 400, c[1]);
        }
        // Sixteen at once, as the probe sent them: every one refused, none an out-of-memory 500.
        ExecutorService pool = Executors.newFixedThreadPool(16);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            byte[] body = v2("[1, 16, " + (1_000_000 + i) + ", 3]", "[0]").getBytes(StandardCharsets.UTF_8);
            answers.add(pool.submit(() -> post(server, "/v2/models/shapes/infer", body, "application/json")));
        }
        for (Future<HttpResponse<String>> a : answers) {
            assertRefused(a.get(), 400, "expected shape");
        }
        pool.shutdown();
        assertEquals(200, post(server, "/predictions/shapes", image, "image/png").statusCode(), "and it still answers");
    }

    @Test
    void brokenMultipartBodiesAre400() throws Exception {
        String part = "--b\r\nContent-Disposition: form-data; name=\"data\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n";
        byte[][] bodies = {
            "no boundary here".getBytes(StandardCharsets.UTF_8),
            (part + "xx").getBytes(StandardCharsets.UTF_8),                       // no closing boundary
            ("garbage\u0000\u0001" + "--b--").getBytes(StandardCharsets.UTF_8),
            ("--b\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n1\r\n".repeat(1_200) + "--b--\r\n")
                    .getBytes(StandardCharsets.UTF_8),                               // over Jetty's 1,000 parts
        };
        String[] types = {"multipart/form-data", "multipart/form-data; boundary=b", "multipart/form-data; boundary=b",
            "multipart/form-data; boundary=b"};
        for (int i = 0; i < bodies.length; i++) {
            HttpResponse<String> r = post(server, "/predictions/shapes", bodies[i], types[i]);
            assertTrue(r.statusCode() >= 400 && r.statusCode() < 500, "case " + i + ": " + r.statusCode() + " " + r.body());
            assertTrue(JSON.readTree(r.body()).has("error"), r.body());
        }
        assertEquals(200, post(server, "/predictions/shapes", image, "image/png").statusCode());
    }

    @Test
    void aBodyShorterThanItsContentLengthIsTheClientsMistake() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /predictions/shapes HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 100000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(image);
            out.flush();
            socket.shutdownOutput(); // the client gives up half way
            InputStream in = socket.getInputStream();
            String answer = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            // Whatever Jetty lets through, it is never a 500.
            assertFalse(answer.startsWith("HTTP/1.1 5"), answer);
        }
        String metrics = InferenceServerTest.get(server, "/metrics").body();
        assertFalse(metrics.lines().anyMatch(l -> l.contains("code=\"500\"")), metrics);
    }

    @Test
    void unknownModelsInUrlsDoNotGrowTheMetrics() throws Exception {
        for (int i = 0; i < 200; i++) {
            assertEquals(404, post(server, "/predictions/nope-" + i, image, "image/png").statusCode());
            assertEquals(404, post(server, "/predictions/shapes/" + (1000 + i), image, "image/png").statusCode());
        }
        List<String> series = InferenceServerTest.get(server, "/metrics").body().lines()
                .filter(l -> l.startsWith("convlab_requests_total{")).toList();
        assertTrue(series.stream().noneMatch(l -> l.contains("nope-") || l.contains("\"1000\"")), series.toString());
        assertTrue(series.stream().anyMatch(l -> l.contains("model=\"unknown\"") && l.contains("code=\"404\"")
                && l.endsWith(" 200.0")), series.toString());
        assertTrue(series.stream().anyMatch(l -> l.contains("model=\"shapes\"") && l.contains("version=\"unknown\"")
                && l.endsWith(" 200.0")), series.toString());
    }
}
