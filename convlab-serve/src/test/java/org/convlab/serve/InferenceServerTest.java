package org.convlab.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.convlab.data.SyntheticShapes;
import org.convlab.infer.Classifier;
import org.convlab.infer.Prediction;
import org.convlab.io.FileTrees;
import org.convlab.train.TinyModels;
import org.convlab.zoo.ModelRegistry;
import org.convlab.zoo.StoredModel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The server over real HTTP on loopback: its answers against {@link Classifier}, batching, overload, hot reload, bad requests. */
@Tag("slow") // whole trainings, servers or Spark: mvn test -DexcludedGroups=slow runs the rest
class InferenceServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @TempDir
    static Path registry;
    static List<byte[]> images = new ArrayList<>();
    static InferenceServer server;

    @BeforeAll
    static void trainAndServe() throws IOException {
        TinyModels.train(registry, 6, new ByteArrayOutputStream());
        for (int i = 0; i < 12; i++) {
            images.add(png(SyntheticShapes.draw(i % 4, 40, 40, new Random(500 + i))));
        }
        server = InferenceServer.builder().setRegistry(registry).optPort(0).build().start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static byte[] png(BufferedImage img) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    static HttpResponse<String> post(InferenceServer s, String path, byte[] body, String contentType) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(s.url() + path.substring(1))).timeout(Duration.ofSeconds(60))
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(InferenceServer s, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(s.url() + path.substring(1))).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Label and probability of each prediction of one answer. */
    static List<Prediction> predictions(JsonNode answer) {
        List<Prediction> out = new ArrayList<>();
        for (JsonNode p : answer.get("predictions")) {
            out.add(new Prediction(p.get("label").asText(), p.get("probability").asDouble()));
        }
        return out;
    }

    static void assertSameAnswer(List<Prediction> expected, List<Prediction> actual, String what) {
        assertEquals(expected.stream().map(Prediction::label).toList(), actual.stream().map(Prediction::label).toList(), what);
        for (int i = 0; i < expected.size(); i++) {
            // A batch of another size may sum in another order: equal to float precision.
            assertEquals(expected.get(i).probability(), actual.get(i).probability(), 1e-5, what);
        }
    }

    @Test
    void answersEqualTheClassifierForBodiesAndMultipart() throws Exception {
        try (Classifier classifier = Classifier.load(registry, "shapes")) {
            for (int i = 0; i < images.size(); i++) {
                HttpResponse<String> r = post(server, "/predictions/shapes?top=4", images.get(i), "image/png");
                assertEquals(200, r.statusCode(), r.body());
                JsonNode answer = JSON.readTree(r.body());
                assertEquals("shapes", answer.get("model").asText());
                assertEquals(1, answer.get("version").asInt());
                assertSameAnswer(classifier.predict(images.get(i), 4), predictions(answer), "image " + i);
            }
            String boundary = "----convlab" + System.nanoTime();
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (int i = 0; i < 3; i++) {
                body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"data\"; filename=\"i" + i
                        + ".png\"\r\nContent-Type: image/png\r\n\r\n").getBytes());
                body.write(images.get(i));
                body.write("\r\n".getBytes());
            }
            body.write(("--" + boundary + "--\r\n").getBytes());
            HttpResponse<String> r = post(server, "/predictions/shapes/1?top=2", body.toByteArray(),
                    "multipart/form-data; boundary=" + boundary);
            assertEquals(200, r.statusCode(), r.body());
            JsonNode list = JSON.readTree(r.body());
            assertEquals(3, list.size());
            for (int i = 0; i < 3; i++) {
                assertSameAnswer(classifier.predict(images.get(i), 2), predictions(list.get(i)), "multipart file " + i);
            }
        }
    }

    @Test
    void embeddingsEqualTheClassifiersAndBadRequestsAre4xx() throws Exception {
        try (Classifier classifier = Classifier.load(registry, "shapes")) {
            for (int i = 0; i < 3; i++) {
                for (boolean l2 : new boolean[] {false, true}) {
                    HttpResponse<String> r = post(server, "/embeddings/shapes" + (l2 ? "?l2=true" : ""), images.get(i), "image/png");
                    assertEquals(200, r.statusCode(), r.body());
                    JsonNode answer = JSON.readTree(r.body());
                    assertEquals("dense_1", answer.get("layer").asText());
                    assertEquals(l2, answer.get("l2_normalised").asBoolean());
                    float[] expected = classifier.embed(images.get(i), null, l2);
                    assertEquals(expected.length, answer.get("embedding").size());
                    for (int j = 0; j < expected.length; j++) {
                        assertEquals(expected[j], answer.get("embedding").get(j).floatValue(), 1e-4, "image " + i + ", value " + j);
                    }
                }
            }
        }
        HttpResponse<String> badFlag = post(server, "/embeddings/shapes?l2=maybe", images.get(0), "image/png");
        assertEquals(400, badFlag.statusCode(), badFlag.body());
        assertTrue(JSON.readTree(badFlag.body()).get("error").asText().contains("use ?l2=true"), badFlag.body());
        assertEquals(404, post(server, "/embeddings/nosuch", images.get(0), "image/png").statusCode());
        assertEquals(400, post(server, "/embeddings/shapes", "not an image".getBytes(), "image/png").statusCode());
    }

    @Test
    void sixtyFourConcurrentClientsGetTheSequentialAnswersInSharedBatches() throws Exception {
        List<List<Prediction>> sequential = new ArrayList<>();
        for (byte[] image : images) {
            sequential.add(predictions(JSON.readTree(post(server, "/predictions/shapes", image, "image/png").body())));
        }
        double batchesBefore = metric(server, "convlab_batch_size_count{model=\"shapes\"}");
        double imagesBefore = metric(server, "convlab_batch_size_sum{model=\"shapes\"}");
        ExecutorService clients = Executors.newFixedThreadPool(64);
        try {
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 64 * 3; i++) {
                byte[] image = images.get(i % images.size());
                answers.add(clients.submit(() -> post(server, "/predictions/shapes", image, "image/png")));
            }
            for (int i = 0; i < answers.size(); i++) {
                HttpResponse<String> r = answers.get(i).get(60, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode(), r.body());
                assertSameAnswer(sequential.get(i % images.size()), predictions(JSON.readTree(r.body())), "request " + i);
            }
        } finally {
            clients.shutdownNow();
        }
        double batches = metric(server, "convlab_batch_size_count{model=\"shapes\"}") - batchesBefore;
        double batched = metric(server, "convlab_batch_size_sum{model=\"shapes\"}") - imagesBefore;
        assertEquals(192, batched, 0.0);
        assertTrue(batched / batches > 1.5, "concurrent requests should share forward passes: " + batched / batches + " per batch");
    }

    @Test
    void anOverloadedServerAnswersOnly200Or503AtOnce() throws Exception {
        try (InferenceServer small = InferenceServer.builder().setRegistry(registry).optPort(0).optQueue(1).optMaxBatch(1)
                .optMaxBatchDelayMicros(0).build().start()) {
            ExecutorService clients = Executors.newFixedThreadPool(64);
            try {
                List<Future<HttpResponse<String>>> answers = new ArrayList<>();
                for (int i = 0; i < 256; i++) {
                    byte[] image = images.get(i % images.size());
                    answers.add(clients.submit(() -> post(small, "/predictions/shapes", image, "image/png")));
                }
                Map<Integer, Integer> codes = new ConcurrentHashMap<>();
                boolean retryAfter = false;
                for (Future<HttpResponse<String>> f : answers) {
                    HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
                    codes.merge(r.statusCode(), 1, Integer::sum);
                    if (r.statusCode() == 503) {
                        retryAfter |= r.headers().firstValue("Retry-After").isPresent();
                        assertTrue(r.body().contains("busy"), r.body());
                    }
                }
                assertEquals(Set.of(200, 503), codes.keySet(), "codes seen: " + codes);
                assertTrue(retryAfter, "a 503 says when to come back");
            } finally {
                clients.shutdownNow();
            }
        }
    }

    @Test
    void aVersionStoredWhileServingIsServedWithinSecondsAndNoRequestIsLost(@TempDir Path copy) throws Exception {
        FileTrees.delete(copy);
        copyTree(registry, copy);
        ModelRegistry reg = ModelRegistry.at(copy);
        try (InferenceServer live = InferenceServer.builder().setRegistry(copy).optModels(List.of("shapes")).optPort(0)
                .optReloadMillis(100).build().start()) {
            AtomicBoolean running = new AtomicBoolean(true);
            Set<Integer> codes = ConcurrentHashMap.newKeySet();
            Set<Integer> versionsSeen = ConcurrentHashMap.newKeySet();
            ExecutorService clients = Executors.newFixedThreadPool(8);
            List<Future<?>> loops = new ArrayList<>();
            for (int c = 0; c < 8; c++) {
                byte[] image = images.get(c);
                loops.add(clients.submit(() -> {
                    while (running.get()) {
                        HttpResponse<String> r = post(live, "/predictions/shapes", image, "image/png");
                        codes.add(r.statusCode());
                        if (r.statusCode() == 200) {
                            versionsSeen.add(JSON.readTree(r.body()).get("version").asInt());
                        }
                    }
                    return null;
                }));
            }
            StoredModel v1 = reg.load("shapes:1");
            reg.save("shapes", v1.graph(), v1.card(), Map.of());
            assertTrue(waitFor(() -> versionsSeen.contains(2), 10), "version 2 was not served within 10 s");
            // A damaged version 3 is refused; version 2 keeps serving.
            Path tmp = Files.createDirectories(copy.resolve("shapes/.staging-test"));
            copyTree(copy.resolve("shapes/2"), tmp);
            Files.write(tmp.resolve("model.zip"), new byte[] {1, 2, 3});
            Files.move(tmp, copy.resolve("shapes/3"));
            Thread.sleep(1000);
            assertEquals(Map.of("shapes", 2), live.served(), "a damaged version must not replace a working one");
            // Removing the newest good version falls back to the one before.
            reg.remove(ModelRegistry.Ref.parse("shapes:3"));
            reg.remove(ModelRegistry.Ref.parse("shapes:2"));
            assertTrue(waitFor(() -> live.served().get("shapes") == 1, 10), "did not fall back to version 1");
            running.set(false);
            for (Future<?> f : loops) {
                f.get(60, TimeUnit.SECONDS);
            }
            clients.shutdownNow();
            assertEquals(Set.of(200), codes, "every request under reload is answered");
            assertTrue(versionsSeen.containsAll(List.of(1, 2)));
        }
    }

    @Test
    void badRequestsGetTheirCodeAndAJsonError() throws Exception {
        byte[] v2Wrong = ("{\"inputs\": [{\"name\": \"input_1\", \"shape\": [1, 8, 8, 3], \"datatype\": \"FP32\", \"data\": "
                + "[" + "1,".repeat(191) + "1]}]}").getBytes();
        Object[][] cases = {
            {post(server, "/predictions/shapes", "not an image".getBytes(), "image/png"), 400, "not an image"},
            {post(server, "/predictions/shapes", new byte[0], "image/png"), 400, "is empty"},
            {post(server, "/predictions/nope", images.get(0), "image/png"), 404, "'nope' is not served"},
            {post(server, "/predictions/shapes/9", images.get(0), "image/png"), 404, "has no version 9"},
            {post(server, "/predictions/shapes?top=0", images.get(0), "image/png"), 400, "top must be at least 1"},
            {post(server, "/predictions/shapes?top=x", images.get(0), "image/png"), 400, "not a whole number"},
            {post(server, "/v2/models/shapes/infer", v2Wrong, "application/json"), 400, "expected shape [N, 16, 16, 3]"},
            {post(server, "/v2/models/shapes/infer", "{".getBytes(), "application/json"), 400, "not JSON"},
            {get(server, "/nowhere"), 404, "no such endpoint"},
        };
        for (Object[] c : cases) {
            @SuppressWarnings("unchecked")
            HttpResponse<String> r = (HttpResponse<String>) c[0];
            assertEquals(c[1], r.statusCode(), r.body());
            String error = JSON.readTree(r.body()).get("error").asText();
            assertTrue(error.contains((String) c[2]), error);
            assertFalse(error.contains("Exception") || error.contains("\tat "), "no stack trace: " + error);
        }
        try (InferenceServer strict = InferenceServer.builder().setRegistry(registry).optPort(0).optMaxRequestSize(1000).build().start()) {
            HttpResponse<String> r = post(strict, "/predictions/shapes", new byte[5000], "image/png");
            assertEquals(413, r.statusCode());
            assertTrue(JSON.readTree(r.body()).get("error").asText().contains("larger than 1000 bytes"), r.body());
            assertEquals(200, post(strict, "/predictions/shapes", images.get(0), "image/png").statusCode(), "and it still works");
        }
    }

    @Test
    void kserveV2ServesTheSameProbabilitiesForRgbPixels() throws Exception {
        assertEquals(200, get(server, "/v2/health/live").statusCode());
        JsonNode serverMeta = JSON.readTree(get(server, "/v2").body());
        assertEquals("convlab", serverMeta.get("name").asText());
        assertEquals(org.convlab.runtime.BuildInfo.property("convlab.version"), serverMeta.get("version").asText());
        assertTrue(serverMeta.get("version").asText().matches("\\d+\\.\\d+\\.\\d+.*"), serverMeta.toString());
        assertEquals(200, get(server, "/v2/health/ready").statusCode());
        JsonNode meta = JSON.readTree(get(server, "/v2/models/shapes").body());
        assertEquals("[-1,16,16,3]", meta.get("inputs").get(0).get("shape").toString());
        assertEquals(4, meta.get("parameters").get("labels").size());
        assertEquals(200, get(server, "/v2/models/shapes/versions/1/ready").statusCode());

        BufferedImage img = SyntheticShapes.draw(1, 16, 16, new Random(9));
        StringBuilder data = new StringBuilder();
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                int rgb = img.getRGB(x, y);
                data.append((rgb >> 16) & 0xFF).append(',').append((rgb >> 8) & 0xFF).append(',').append(rgb & 0xFF).append(',');
            }
        }
        data.setLength(data.length() - 1);
        String body = "{\"id\": \"r1\", \"inputs\": [{\"name\": \"input_1\", \"shape\": [1, 16, 16, 3], \"datatype\": \"FP32\", \"data\": ["
                + data + "]}]}";
        HttpResponse<String> r = post(server, "/v2/models/shapes/infer", body.getBytes(), "application/json");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode out = JSON.readTree(r.body());
        assertEquals("r1", out.get("id").asText());
        JsonNode probabilities = out.get("outputs").get(0).get("data");
        try (Classifier classifier = Classifier.load(registry, "shapes")) {
            for (Prediction p : classifier.predict(img, 4)) {
                assertEquals(p.probability(), probabilities.get(classifier.labels().indexOf(p.label())).asDouble(), 1e-5, p.label());
            }
        }
    }

    @Test
    void pingModelsMetricsAndThePage() throws Exception {
        assertEquals("Healthy", JSON.readTree(get(server, "/ping").body()).get("status").asText());
        JsonNode models = JSON.readTree(get(server, "/models").body()).get("models");
        assertEquals("shapes", models.get(0).get("modelName").asText());
        assertEquals(List.of("circle", "square", "triangle", "cross"),
                JSON.convertValue(JSON.readTree(get(server, "/models/shapes").body()).get("labels"), List.class));
        post(server, "/predictions/shapes", images.get(0), "image/png");
        String metrics = get(server, "/metrics").body();
        assertTrue(metrics.contains("convlab_requests_total{code=\"200\",model=\"shapes\",version=\"1\"}"), metrics);
        assertTrue(metrics.contains("convlab_request_seconds_bucket") && metrics.contains("convlab_queue_seconds_bucket")
                && metrics.contains("convlab_queue_depth"), metrics);
        HttpResponse<String> page = get(server, "/");
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<title>ConvLab serve</title>") && page.body().contains("/predictions/"), page.body());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
    }

    @Test
    void aPortInUseIsBadInputNotACrash() {
        org.convlab.ConvLabException e = org.junit.jupiter.api.Assertions.assertThrows(org.convlab.ConvLabException.class,
                () -> InferenceServer.builder().setRegistry(registry).optPort(server.port()).build().start());
        assertTrue(e.getMessage().contains("port " + server.port() + " on 127.0.0.1 is in use"), e.getMessage());
    }

    @Test
    void anEmptyRegistryIsRefusedInOneLine(@TempDir Path empty) {
        org.convlab.ConvLabException e = org.junit.jupiter.api.Assertions.assertThrows(org.convlab.ConvLabException.class,
                () -> InferenceServer.builder().setRegistry(empty).optPort(0).build().start());
        assertTrue(e.getMessage().contains("no models to serve"), e.getMessage());
    }

    static double metric(InferenceServer s, String series) throws Exception {
        for (String line : get(s, "/metrics").body().lines().toList()) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        return 0;
    }

    static boolean waitFor(java.util.function.BooleanSupplier condition, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(50);
        }
        return false;
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
