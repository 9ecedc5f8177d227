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

    /** What a raw request line and headers get back: the status line and the body. */
    private static String[] raw(String requestHead) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(requestHead.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int split = answer.indexOf("\r\n\r\n");
            return new String[] {answer.substring(0, answer.indexOf("\r\n")), answer.substring(0, Math.max(0, split)),
                split < 0 ? "" : answer.substring(split + 4)};
        }
    }

    @Test
    void jettysOwnRefusalsAnswerInJson() throws Exception {
        String longPath = "/" + "a".repeat(100_000);
        String[][] cases = {
            {"GET /pi\u0000ng HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "400"},
            {"GET " + longPath + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "414"},
            {"GET /ping HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(100_000) + "\r\nConnection: close\r\n\r\n", "431"},
            {"POST /predictions/shapes HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\nConnection: close\r\n\r\n", "400"},
            {"GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "400"},
            // A chunked upload (no Content-Length to refuse it by) that runs past the 10 MB limit.
            {"POST /predictions/shapes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: image/png\r\n"
                + "Connection: close\r\n\r\n" + ("100000\r\n" + "x".repeat(0x100000) + "\r\n").repeat(11) + "0\r\n\r\n", "413"},
        };
        for (String[] c : cases) {
            String[] answer = raw(c[0]);
            assertTrue(answer[0].startsWith("HTTP/1.1 " + c[1]), c[0].substring(0, Math.min(60, c[0].length())) + " -> " + answer[0]);
            assertTrue(answer[1].toLowerCase(java.util.Locale.ROOT).contains("content-type: application/json"), answer[1]);
            String error = JSON.readTree(answer[2]).get("error").asText();
            assertTrue(error.startsWith(c[1] + " ") || error.contains("larger than"), answer[2]);
        }
    }

    private static byte[] blankPng(int width, int height) throws IOException {
        return InferenceServerTest.png(new java.awt.image.BufferedImage(width, height, java.awt.image.BufferedImage.TYPE_BYTE_BINARY));
    }

    private static byte[] multipart(byte[]... images) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < images.length; i++) {
            out.writeBytes(("--b\r\nContent-Disposition: form-data; name=\"data\"; filename=\"i" + i + ".png\"\r\n"
                    + "Content-Type: image/png\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.writeBytes(images[i]);
            out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        out.writeBytes("--b--\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    @Test
    void fiftyMegapixelsHoldPerRequestNotOnlyPerImage() throws Exception {
        byte[] thirty = blankPng(6000, 5000); // 30 MP in a few kilobytes
        HttpResponse<String> two = post(server, "/predictions/shapes", multipart(thirty, thirty), "multipart/form-data; boundary=b");
        assertRefused(two, 413, "60 megapixels; at most 50 megapixels per request");
        assertEquals(0, server.decodingBytesHeld(), "nothing was reserved for a refused request");
    }

    @Test
    void decodingWaitsForItsMemoryOrIsTurnedAway() throws Exception {
        byte[] small = blankPng(700, 700);     // 0.49 MP: 5.9 MB reserved while decoding
        // A budget of 8 MB holds one such image at a time.
        try (InferenceServer queued = InferenceServer.builder().setRegistry(registry).optPort(0)
                     .optDecodeBudget(8L << 20, 20_000).build().start();
             InferenceServer impatient = InferenceServer.builder().setRegistry(registry).optPort(0)
                     .optDecodeBudget(8L << 20, 0).build().start()) {
            assertRefused(post(queued, "/predictions/shapes", blankPng(1000, 1000), "image/png"), 413, "decoding budget of 8 MB");
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<HttpResponse<String>>> patient = new ArrayList<>();
            List<Future<HttpResponse<String>>> hasty = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                patient.add(pool.submit(() -> post(queued, "/predictions/shapes", small, "image/png")));
            }
            for (Future<HttpResponse<String>> f : patient) {
                assertEquals(200, f.get().statusCode(), "one after the other, every one is answered: " + f.get().body());
            }
            for (int i = 0; i < 8; i++) {
                hasty.add(pool.submit(() -> post(impatient, "/predictions/shapes", small, "image/png")));
            }
            int ok = 0;
            for (Future<HttpResponse<String>> f : hasty) {
                HttpResponse<String> r = f.get();
                assertTrue(r.statusCode() == 200 || r.statusCode() == 503, r.statusCode() + " " + r.body());
                if (r.statusCode() == 503) {
                    assertEquals("1", r.headers().firstValue("Retry-After").orElse(""), "503 says when to retry");
                    assertTrue(JSON.readTree(r.body()).get("error").asText().contains("retry"), r.body());
                } else {
                    ok++;
                }
            }
            assertTrue(ok >= 1, "at least the first fits");
            pool.shutdown();
            assertEquals(0, queued.decodingBytesHeld());
            assertEquals(0, impatient.decodingBytesHeld());
        }
    }

    /** A request being decoded when the server is told to stop gets its answer; one that comes after gets 503. */
    @Test
    void stoppingAnswersTheRequestsInFlight() throws Exception {
        java.awt.image.BufferedImage big = new java.awt.image.BufferedImage(6000, 6000, java.awt.image.BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 6000; y++) {
            for (int x = 0; x < 6000; x++) {
                big.setRGB(x, y, (x & 0xFF) << 16 | (y & 0xFF) << 8 | ((x ^ y) & 0xFF));
            }
        }
        byte[] slow = InferenceServerTest.png(big); // 36 MP: decoding takes a while
        InferenceServer stopping = InferenceServer.builder().setRegistry(registry).optPort(0).build().start();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        Future<HttpResponse<String>> inFlight = pool.submit(() -> post(stopping, "/predictions/shapes", slow, "image/png"));
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (stopping.decodingBytesHeld() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(5); // until the server is decoding it
        }
        assertTrue(stopping.decodingBytesHeld() > 0, "the request never reached decoding");
        java.net.URI lateUri = java.net.URI.create(stopping.url() + "predictions/shapes");
        Future<?> closing = pool.submit(stopping::close);
        Thread.sleep(100);
        try {
            HttpResponse<String> late = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(lateUri)
                    .header("Content-Type", "image/png").POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(image)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(503, late.statusCode(), late.body());
            assertTrue(JSON.readTree(late.body()).has("error"), late.body());
        } catch (java.net.ConnectException refused) {
            // the listener had closed already: also a clear answer
        }
        HttpResponse<String> answered = inFlight.get();
        assertEquals(200, answered.statusCode(), answered.body());
        assertTrue(JSON.readTree(answered.body()).get("predictions").size() > 0, answered.body());
        closing.get();
        pool.shutdown();
    }

    /**
     * Hundreds of clients that send a POST's headers and stall in its body hold no thread (the server's pool has 250):
     * others are answered at once.
     */
    @Test
    void clientsThatNeverSendTheirBodyDoNotStarveTheOthers() throws Exception {
        List<Socket> idle = new ArrayList<>();
        try {
            for (int i = 0; i < 400; i++) {
                Socket socket = new Socket("127.0.0.1", server.port());
                // Half send no byte of their body, half one byte: both then stall.
                socket.getOutputStream().write(("POST /predictions/shapes HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n"
                        + "Content-Length: 100000\r\n\r\n" + (i % 2 == 0 ? "" : "x")).getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().flush();
                idle.add(socket);
            }
            java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder().connectTimeout(java.time.Duration.ofSeconds(5))
                    .build();
            HttpResponse<String> ping = client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.url() + "ping"))
                    .timeout(java.time.Duration.ofSeconds(5)).GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, ping.statusCode(), ping.body());
            HttpResponse<String> prediction = client.send(java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(server.url() + "predictions/shapes")).timeout(java.time.Duration.ofSeconds(5))
                    .header("Content-Type", "image/png").POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(image)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(200, prediction.statusCode(), prediction.body());
        } finally {
            for (Socket socket : idle) {
                socket.close();
            }
        }
    }

    /**
     * Keep-alive clients busy while the server stops: every request sent before the stop began gets 200 or 503; later
     * ones get an answer or find the door shut (a connection the kernel took but the server never accepted may be
     * reset, as TCP has it).
     */
    @Test
    void requestsSentBeforeTheStopAreAnsweredOnKeepAliveConnections() throws Exception {
        InferenceServer stopping = InferenceServer.builder().setRegistry(registry).optPort(0).build().start();
        java.net.URI uri = java.net.URI.create(stopping.url() + "predictions/shapes");
        List<String> brokenBeforeStop = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicInteger answered = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicLong stopBegan = new java.util.concurrent.atomic.AtomicLong(Long.MAX_VALUE);
        long end = System.nanoTime() + 3_000_000_000L;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> clients = new ArrayList<>();
        for (int c = 0; c < 8; c++) {
            clients.add(pool.submit(() -> {
                java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                        .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
                while (System.nanoTime() < end) {
                    long sent = System.nanoTime();
                    try {
                        int code = client.send(java.net.http.HttpRequest.newBuilder(uri).header("Content-Type", "image/png")
                                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(image)).build(),
                                java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode();
                        assertTrue(code == 200 || code == 503, "answered " + code);
                        answered.incrementAndGet();
                    } catch (IOException e) {
                        if (sent < stopBegan.get()) {
                            brokenBeforeStop.add(e.toString());
                        }
                    }
                }
                return null;
            }));
        }
        Thread.sleep(1_000);
        stopBegan.set(System.nanoTime());
        stopping.close();
        for (Future<?> f : clients) {
            f.get();
        }
        pool.shutdown();
        assertTrue(answered.get() > 0);
        assertEquals(List.of(), brokenBeforeStop);
    }
}
