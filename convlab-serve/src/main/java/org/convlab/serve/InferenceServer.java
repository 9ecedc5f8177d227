package org.convlab.serve;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.UploadedFile;
import org.convlab.BadSettingException;
import org.convlab.ConvLabException;
import org.convlab.NotFoundException;
import org.convlab.data.DecodedImage;
import org.convlab.data.ImageDecoder;
import org.convlab.infer.Prediction;
import org.convlab.io.JsonFiles;
import org.convlab.zoo.ModelRegistry;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP inference server over a model registry, as TorchServe and DJL Serving do it:
 * {@code POST /predictions/{model}[/{version}]} with image bytes (or multipart field {@code data}),
 * {@code POST /embeddings/{model}[/{version}]} for the images' embeddings (the layer that feeds the head),
 * the KServe Open Inference Protocol v2 under {@code /v2}, {@code /ping}, {@code /models},
 * Prometheus {@code /metrics} and a web page at {@code /}. Concurrent requests for one model run
 * as one forward pass ({@link DynamicBatcher}); a full queue answers 503 at once; a new version
 * stored in the registry is served within seconds, without a restart.
 *
 * <pre>{@code
 * try (InferenceServer server = InferenceServer.builder()
 *         .setRegistry(Path.of("models"))
 *         .optModels(List.of("fashion-cnn"))     // default: every model in the registry
 *         .optPort(8080)                          // 0: any free port
 *         .build()
 *         .start()) {
 *     System.out.println(server.url());          // http://127.0.0.1:8080/
 *     server.awaitStop();
 * }
 * }</pre>
 */
public final class InferenceServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceServer.class);
    static final com.fasterxml.jackson.databind.ObjectMapper JSON = JsonFiles.mapper()
            .disable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT);

    /** Set on a request this server answered itself, so the 404 page does not overwrite a model's 404. */
    private static final String ANSWERED = "convlab.answered";
    /** The metrics label of a model or version that the URL named and the server does not serve. */
    static final String UNKNOWN_LABEL = "unknown";
    /** Slower bodies are refused: 4 KB/s lets any real network through and no trickling attacker. */
    private static final long MIN_BODY_BYTES_PER_SECOND = 4_096;
    /** A blocking read or write with no progress for this long ends the request. */
    private static final long IDLE_MILLIS = 10_000;
    /** How long a stopping server tells keep-alive clients to close before it stops listening. */
    private static final long DRAIN_MILLIS = 500;
    /** How long stopping waits for requests in flight. */
    private static final long STOP_MILLIS = 30_000;

    private final Builder settings;
    private final ModelCatalog catalog;
    private final ServerMetrics metrics;
    /** Counts requests in Jetty (from arrival to the last byte written) and turns new ones away with 503 while stopping. */
    private final org.eclipse.jetty.server.handler.GracefulHandler graceful = new org.eclipse.jetty.server.handler.GracefulHandler();
    private final DecodeBudget budget;
    private final ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "registry-watcher");
        t.setDaemon(true);
        return t;
    });
    private final Object stopped = new Object();
    private volatile boolean draining;
    private Javalin app;

    private InferenceServer(Builder b) {
        this.settings = b;
        this.budget = new DecodeBudget(b.decodeBudget, b.decodeWaitMillis);
        // The gauge asks the catalog at scrape time, once both exist.
        this.metrics = new ServerMetrics(() -> catalog().queued());
        this.catalog = new ModelCatalog(ModelRegistry.at(b.registry), b.models.stream().map(ModelRegistry.Ref::parse).toList(),
                new ServedModel.BatchSettings(b.maxBatch, b.maxBatchDelayMicros, b.queue), metrics);
    }

    private ModelCatalog catalog() {
        return catalog;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Loads the models (refusing, as bad input, a registry with none), then listens. */
    public InferenceServer start() {
        java.net.InetAddress address;
        try {
            address = java.net.InetAddress.getByName(settings.host);
        } catch (java.net.UnknownHostException e) {
            throw new ConvLabException("host '" + settings.host + "' cannot be resolved; use an address of this machine such as"
                    + " 127.0.0.1 (or 0.0.0.0 for every interface)");
        }
        catalog.loadAll();
        Javalin created = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.http.maxRequestSize = settings.maxRequestSize;
            config.jetty.host = settings.host;
            config.jetty.port = settings.port;
            config.jetty.modifyHttpConfiguration(http -> {
                // A body that comes slower than MIN_BODY_BYTES_PER_SECOND is cut off; a read that stalls ends after IDLE_MILLIS.
                http.setMinRequestDataRate(MIN_BODY_BYTES_PER_SECOND);
                http.setIdleTimeout(IDLE_MILLIS);
            });
            config.jetty.modifyServer(server -> {
                // Refusals Jetty makes itself (before or outside the routes) answer in JSON too.
                server.setErrorHandler(new JsonErrorHandler());
                // Javalin puts its handlers inside these. GracefulHandler: Server.stop waits for every request to be
                // answered. EagerContentHandler: a request reaches a thread only once its body has arrived (read
                // without a thread), so clients that send headers and stall, or trickle their body, hold no thread. Multipart
                // is parsed there; every other body is kept as bytes (no form parsing: curl's default
                // application/x-www-form-urlencoded carries an image here).
                graceful.setHandler(new org.eclipse.jetty.server.handler.EagerContentHandler(
                        new org.eclipse.jetty.server.handler.EagerContentHandler.MultiPartContentLoaderFactory(),
                        new org.eclipse.jetty.server.handler.EagerContentHandler.RetainedContentLoaderFactory()));
                server.setHandler(graceful);
                server.setStopTimeout(STOP_MILLIS);
            });
            config.jetty.modifyServletContextHandler(handler -> handler.setErrorHandler(new JsonErrorHandler.ForServlets()));
            // A declared body over the limit is refused before it is read, with the JSON error every refusal has.
            config.routes.before(ctx -> {
                if (draining) {
                    closeAfterAnswer(ctx); // a keep-alive client learns to go elsewhere before the connection closes
                }
                if (ctx.contentLength() > settings.maxRequestSize) {
                    throw new TooLargeException(null);
                }
            });
            config.routes.get("/", ctx -> ctx.contentType("text/html; charset=utf-8").result(resource("index.html")));
            config.routes.get("/sample.png", ctx -> ctx.contentType("image/png").result(resource("sample.png")));
            config.routes.get("/ping", ctx -> json(ctx, 200, Map.of("status", "Healthy")));
            config.routes.get("/models", ctx -> json(ctx, 200, Map.of("models", catalog.current().values().stream()
                    .map(m -> Map.of("modelName", m.name(), "modelVersion", m.version())).toList())));
            config.routes.get("/models/{model}", ctx -> json(ctx, 200, catalog.get(ctx.pathParam("model"), null).card()));
            config.routes.get("/metrics", ctx -> ctx.contentType(ServerMetrics.contentType()).result(metrics.scrape()));
            config.routes.post("/predictions/{model}", ctx -> predict(ctx, null));
            config.routes.post("/predictions/{model}/{version}", ctx -> predict(ctx, version(ctx)));
            config.routes.post("/embeddings/{model}", ctx -> embed(ctx, null));
            config.routes.post("/embeddings/{model}/{version}", ctx -> embed(ctx, version(ctx)));
            config.routes.get("/v2", ctx -> json(ctx, 200, KServeV2.serverMetadata()));
            config.routes.get("/v2/health/live", ctx -> json(ctx, 200, Map.of("live", true)));
            config.routes.get("/v2/health/ready", ctx -> json(ctx, catalog.ready() && !draining ? 200 : 503,
                    Map.of("ready", catalog.ready() && !draining)));
            config.routes.get("/v2/models/{model}", ctx -> json(ctx, 200, KServeV2.metadata(catalog.get(ctx.pathParam("model"), null),
                    versions(ctx.pathParam("model")))));
            config.routes.get("/v2/models/{model}/versions/{version}", ctx -> json(ctx, 200,
                    KServeV2.metadata(catalog.get(ctx.pathParam("model"), version(ctx)), versions(ctx.pathParam("model")))));
            config.routes.get("/v2/models/{model}/ready", ctx -> modelReady(ctx, null));
            config.routes.get("/v2/models/{model}/versions/{version}/ready", ctx -> modelReady(ctx, version(ctx)));
            config.routes.post("/v2/models/{model}/infer", ctx -> infer(ctx, null));
            config.routes.post("/v2/models/{model}/versions/{version}/infer", ctx -> infer(ctx, version(ctx)));
            config.routes.exception(Exception.class, (e, ctx) -> error(ctx, e));
            // Javalin answers its own HttpResponseException (a chunked body over the limit) in plain text unless asked.
            config.routes.exception(HttpResponseException.class, (e, ctx) -> error(ctx, e));
            config.routes.error(404, "*", ctx -> {
                if (ctx.attribute(ANSWERED) == null) {
                    json(ctx, 404, Map.of("error", noSuchEndpoint(ctx)));
                }
            });
        });
        try {
            app = created.start();
        } catch (io.javalin.util.JavalinBindException e) {
            catalog.close();
            if (!address.isAnyLocalAddress() && !isOwnAddress(address)) {
                throw new ConvLabException("host '" + settings.host + "' (" + address.getHostAddress() + ") is not an address of"
                        + " this machine; use one of its own, such as 127.0.0.1 (or 0.0.0.0 for every interface)");
            }
            throw new ConvLabException("port " + settings.port + " on " + settings.host + " is in use or not allowed; choose another"
                    + " port (0 picks a free one)");
        }
        watcher.scheduleWithFixedDelay(this::refresh, settings.reloadMillis, settings.reloadMillis, TimeUnit.MILLISECONDS);
        LOG.info("serving {} at {}", catalog.servedNames(), url());
        return this;
    }

    private static boolean isOwnAddress(java.net.InetAddress address) {
        try {
            return address.isLoopbackAddress() || java.net.NetworkInterface.getByInetAddress(address) != null;
        } catch (java.net.SocketException e) {
            return true; // cannot tell: the port message stands
        }
    }

    /** The port the server listens on (the real one when 0 was asked for). */
    public int port() {
        return app.port();
    }

    /** {@code http://HOST:PORT/}. */
    public String url() {
        return "http://" + settings.host + ":" + port() + "/";
    }

    /** Bytes reserved for decoding now, across all requests (for checks). */
    long decodingBytesHeld() {
        return budget.used();
    }

    /** The names served, with the version each answers with. */
    public Map<String, Integer> served() {
        Map<String, Integer> out = new LinkedHashMap<>();
        catalog.current().forEach((name, m) -> out.put(name, m.version()));
        return out;
    }

    /** Blocks until {@link #close()} has run (from another thread or a signal). */
    public void awaitStop() throws InterruptedException {
        synchronized (stopped) {
            while (app != null) {
                stopped.wait();
            }
        }
    }

    /**
     * Stops gracefully: new requests get 503 (keep-alive connections included), every request that had arrived
     * is answered to its last byte (for up to {@value #STOP_MILLIS} ms), then the listener closes and every
     * model's queue drains.
     */
    @Override
    public void close() {
        if (app == null) {
            return;
        }
        draining = true;
        watcher.shutdownNow();
        // For a moment every answer (503 for inference) says Connection: close, so that keep-alive clients do not
        // send their next request on a connection the stop is about to close.
        try {
            Thread.sleep(DRAIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        app.stop(); // Jetty's graceful stop: GracefulHandler waits for the requests it counts
        if (graceful.getCurrentRequestCount() > 0) {
            LOG.warn("stopped with {} request(s) unanswered after {} ms", graceful.getCurrentRequestCount(), STOP_MILLIS);
        }
        catalog.close();
        synchronized (stopped) {
            app = null;
            stopped.notifyAll();
        }
    }

    private void refresh() {
        try {
            catalog.refresh();
        } catch (RuntimeException e) {
            LOG.warn("registry check failed: {}", e.getMessage());
        }
    }

    private void predict(Context ctx, Integer version) {
        long start = System.nanoTime();
        String name = ctx.pathParam("model");
        int top = top(ctx);
        List<Upload> uploads = uploads(ctx);
        ServedModel[] used = new ServedModel[1];
        INDArray p = run(name, version, used, images(uploads), ServedModel::batcher);
        List<List<Prediction>> ranked = Prediction.ranked(p, used[0].card().labels(), top);
        List<Map<String, Object>> answers = new ArrayList<>();
        for (List<Prediction> r : ranked) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("model", used[0].name());
            a.put("version", used[0].version());
            a.put("predictions", r);
            answers.add(a);
        }
        json(ctx, 200, answers.size() == 1 ? answers.get(0) : answers);
        metrics.request(used[0].name(), String.valueOf(used[0].version()), 200, (System.nanoTime() - start) / 1e9);
    }

    /**
     * The embeddings of the uploaded images: the activations of the layer that feeds the model's head, one vector
     * per image ({@code ?l2=true}: each of unit length).
     */
    private void embed(Context ctx, Integer version) {
        long start = System.nanoTime();
        String name = ctx.pathParam("model");
        boolean l2 = flag(ctx, "l2");
        List<Upload> uploads = uploads(ctx);
        ServedModel[] used = new ServedModel[1];
        INDArray activations = run(name, version, used, images(uploads), m -> m.embeddings().get());
        List<float[]> vectors = org.convlab.infer.Embeddings.rows(activations, l2);
        List<Map<String, Object>> answers = new ArrayList<>();
        for (float[] v : vectors) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("model", used[0].name());
            a.put("version", used[0].version());
            a.put("layer", used[0].embeddings().layer());
            a.put("l2_normalised", l2);
            a.put("embedding", v);
            answers.add(a);
        }
        json(ctx, 200, answers.size() == 1 ? answers.get(0) : answers);
        metrics.request(used[0].name(), String.valueOf(used[0].version()), 200, (System.nanoTime() - start) / 1e9);
    }

    /** The uploads' pixels, decoded within the memory budget, as the model's input. */
    private java.util.function.Function<ServedModel, INDArray> images(List<Upload> uploads) {
        long pixels = 0;
        for (Upload u : uploads) {
            pixels += u.pixels();
        }
        if (pixels > ImageDecoder.MAX_PIXELS) {
            throw new TooLargeException("the request's images hold " + pixels / 1_000_000 + " megapixels; at most "
                    + ImageDecoder.MAX_PIXELS / 1_000_000 + " megapixels per request");
        }
        long bytes = pixels * DecodeBudget.BYTES_PER_PIXEL;
        // Decoding counts as "on its way" for the batcher (see DynamicBatcher), so it happens inside run.
        return m -> {
            try (DecodeBudget.Reservation held = budget.reserve(bytes, "the request's images")) {
                List<DecodedImage> images = new ArrayList<>();
                for (Upload u : uploads) {
                    images.add(u.decode());
                }
                return m.preprocessor().batch(images);
            }
        };
    }

    /** A yes/no query parameter: absent is false; anything but true or false is the client's mistake. */
    private static boolean flag(Context ctx, String name) {
        String text = ctx.queryParam(name);
        if (text == null || text.equalsIgnoreCase("false")) {
            return false;
        }
        if (text.equalsIgnoreCase("true")) {
            return true;
        }
        throw new ConvLabException(name + " '" + text + "' is not true or false; use ?" + name + "=true");
    }

    private void infer(Context ctx, Integer version) {
        long start = System.nanoTime();
        String name = ctx.pathParam("model");
        KServeV2.InferRequest request = KServeV2.parse(body(ctx));
        ServedModel[] used = new ServedModel[1];
        INDArray p = run(name, version, used, m -> {
            try (DecodeBudget.Reservation held = budget.reserve(request.values() * DecodeBudget.BYTES_PER_VALUE, "the tensor")) {
                return m.preprocessor().fromRgb(KServeV2.pixels(request, m.card().input()));
            }
        }, ServedModel::batcher);
        json(ctx, 200, KServeV2.response(used[0], request.id(), p));
        metrics.request(used[0].name(), String.valueOf(used[0].version()), 200, (System.nanoTime() - start) / 1e9);
    }

    /**
     * Prepares the input for the model that answers now and waits for its batch. A model version
     * replaced meanwhile (hot reload) closes its queue; the request then goes to the new one.
     */
    private INDArray run(String name, Integer version, ServedModel[] used, java.util.function.Function<ServedModel, INDArray> input,
                         java.util.function.Function<ServedModel, DynamicBatcher> batcher) {
        begin();
        for (int attempt = 0; ; attempt++) {
            ServedModel m = catalog.get(name, version);
            used[0] = m;
            try {
                return submit(m, input, batcher.apply(m)).join();
            } catch (OutOfMemoryError e) {
                throw shortOfMemory(name, e);
            } catch (DynamicBatcher.ClosedException | CompletionException e) {
                Throwable cause = e instanceof CompletionException ? e.getCause() : e;
                if (cause instanceof OutOfMemoryError oom) {
                    throw shortOfMemory(name, oom);
                }
                if (!(cause instanceof DynamicBatcher.ClosedException) || attempt >= 3) {
                    throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
                }
            }
        }
    }

    /** One log line with the cause, and a 503 for the client: the server's shortage, not the client's mistake. */
    private static DecodeBudget.BusyException shortOfMemory(String model, OutOfMemoryError e) {
        LOG.warn("out of memory answering a request for {}: {}", model, e.getMessage());
        return new DecodeBudget.BusyException("the server ran short of memory for this request; retry in a moment");
    }

    /** Prepares the input while the batcher knows it is coming, then queues it. */
    private static java.util.concurrent.CompletableFuture<INDArray> submit(ServedModel m,
                                                                         java.util.function.Function<ServedModel, INDArray> input,
                                                                         DynamicBatcher batcher) {
        batcher.preparing();
        try {
            return batcher.submit(input.apply(m));
        } finally {
            batcher.prepared();
        }
    }

    private void begin() {
        if (draining) {
            throw new DynamicBatcher.QueueFullException(0);
        }
    }

    private void modelReady(Context ctx, Integer version) {
        ServedModel m = catalog.get(ctx.pathParam("model"), version);
        json(ctx, 200, Map.of("name", m.name(), "version", String.valueOf(m.version()), "ready", true));
    }

    private List<Integer> versions(String name) {
        return ModelRegistry.at(settings.registry).versions(name);
    }

    private static Integer version(Context ctx) {
        String v = ctx.pathParam("version");
        try {
            int n = Integer.parseInt(v);
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // refused below
        }
        throw new NotFoundException("version '" + v + "' is not a version number (1, 2, ...)");
    }

    private static int top(Context ctx) {
        String text = ctx.queryParam("top");
        if (text == null) {
            return 5;
        }
        try {
            int top = Integer.parseInt(text.trim());
            Prediction.requireTop(top);
            return top;
        } catch (NumberFormatException e) {
            throw new ConvLabException("top '" + text + "' is not a whole number; use ?top=5");
        }
    }

    /** An image as sent, with how the error messages name it; decoded only once its memory is reserved. */
    private record Upload(byte[] bytes, String what) {
        long pixels() {
            if (bytes.length == 0) {
                throw new ConvLabException(what + " is empty; send the image's bytes (curl --data-binary @image.png)");
            }
            try {
                return ImageDecoder.pixels(bytes);
            } catch (ConvLabException e) {
                throw new ConvLabException(what + ": " + e.getMessage());
            }
        }

        DecodedImage decode() {
            try {
                return ImageDecoder.decode(bytes);
            } catch (ConvLabException e) {
                throw new ConvLabException(what + ": " + e.getMessage());
            }
        }
    }

    /** The request's images, undecoded: its body, or every file of multipart field {@code data}. */
    private static List<Upload> uploads(Context ctx) {
        String type = String.valueOf(ctx.contentType());
        if (type.startsWith("multipart/form-data")) {
            List<UploadedFile> files;
            try {
                files = ctx.uploadedFiles("data");
            } catch (HttpResponseException e) {
                throw e; // over the size limit: 413 as such
            } catch (Exception e) { // Jetty's ServletException and IOException pass through Javalin's Kotlin unchecked
                // Jetty's parser: no boundary, garbage, no closing boundary, too many parts. The client's mistake.
                LOG.debug("unreadable multipart body on {}: {}", ctx.path(), e.toString());
                closeAfterAnswer(ctx);
                throw new ConvLabException("the multipart body cannot be read (" + rootMessage(e) + "); send"
                        + " multipart/form-data with a boundary and the images in field 'data' (curl -F data=@image.png)");
            }
            if (files.isEmpty()) {
                throw new ConvLabException("the multipart request holds no file in field 'data'; send the images as data=@image.png");
            }
            List<Upload> uploads = new ArrayList<>();
            for (UploadedFile f : files) {
                try (InputStream in = f.content()) {
                    uploads.add(new Upload(in.readAllBytes(), f.filename()));
                } catch (IOException e) {
                    throw new ConvLabException("cannot read the upload " + f.filename() + ": " + e.getMessage());
                }
            }
            return uploads;
        }
        return List.of(new Upload(body(ctx), "the request body"));
    }

    private static byte[] body(Context ctx) {
        try {
            return ctx.bodyAsBytes();
        } catch (HttpResponseException e) {
            throw e; // over the size limit: 413 as such
        } catch (Exception e) { // Jetty's IOException passes through Javalin's Kotlin unchecked
            // The client went away or sent less than its Content-Length: nothing to answer for the server.
            LOG.debug("unreadable body on {}: {}", ctx.path(), e.toString());
            closeAfterAnswer(ctx);
            throw new ConvLabException("the request body cannot be read (" + rootMessage(e) + "); send the whole body"
                    + " its Content-Length declares");
        }
    }

    /**
     * Asks the client to open a new connection for its next request: the rest of this one's body was never read,
     * so the connection cannot carry another request (a client reusing it would read nothing).
     */
    private static void closeAfterAnswer(Context ctx) {
        ctx.header("Connection", "close");
    }

    /** The innermost cause's message, or its class's simple name where it has none. */
    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() != null && !t.getMessage().isBlank() ? t.getMessage() : t.getClass().getSimpleName();
    }

    private void error(Context ctx, Exception e) {
        Throwable t = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        int code;
        String message;
        if (t instanceof DynamicBatcher.QueueFullException || t instanceof DecodeBudget.BusyException) {
            code = 503;
            message = draining ? "the server is stopping; retry on another instance" : t.getMessage();
            ctx.header("Retry-After", "1");
        } else if (t instanceof DecodeBudget.OverBudgetException) {
            code = 413;
            message = t.getMessage();
        } else if (t instanceof NotFoundException) {
            code = 404;
            message = t.getMessage();
        } else if (t instanceof BadSettingException bad) {
            code = 400;
            message = bad.messageNaming(s -> s.word());
        } else if (t instanceof ConvLabException) {
            code = 400;
            message = t.getMessage();
        } else if (t instanceof TooLargeException || t instanceof HttpResponseException h && h.getStatus() == 413) {
            code = 413;
            closeAfterAnswer(ctx);
            message = t instanceof TooLargeException tooLarge && tooLarge.getMessage() != null ? tooLarge.getMessage()
                    : "the request is larger than " + settings.maxRequestSize + " bytes; send a smaller image"
                    + " (or start the server with a larger --max-request-size)";
        } else if (t instanceof HttpResponseException h) {
            code = h.getStatus();
            message = code == 404 ? noSuchEndpoint(ctx) : h.getMessage();
        } else {
            code = 500;
            message = "internal error: " + t;
            // One line with the cause; the stack trace only for whoever turns on debug logging.
            LOG.warn("request {} {} failed: {}", ctx.method(), ctx.path(), t.toString());
            LOG.debug("request {} {} failed", ctx.method(), ctx.path(), t);
        }
        json(ctx, code, Map.of("error", message));
        if (ctx.path().startsWith("/predictions/") || ctx.path().startsWith("/embeddings/") || ctx.path().contains("/infer")) {
            countRefusal(ctx.pathParamMap().get("model"), ctx.pathParamMap().get("version"), code);
        }
    }

    /**
     * Counts a refused inference request under labels from a bounded set, whatever the URL held: a name that is
     * not served and a version past the newest count as {@value #UNKNOWN_LABEL}.
     */
    private void countRefusal(String model, String version, int code) {
        ServedModel served = model == null ? null : catalog.current().get(model);
        if (served == null) {
            metrics.request(UNKNOWN_LABEL, UNKNOWN_LABEL, code, 0);
            return;
        }
        String versionLabel = "current";
        if (version != null) {
            versionLabel = version.matches("[1-9][0-9]{0,8}") && Integer.parseInt(version) <= served.version() ? version
                    : UNKNOWN_LABEL;
        }
        metrics.request(model, versionLabel, code, 0);
    }

    private static String noSuchEndpoint(Context ctx) {
        return "no such endpoint: " + ctx.method() + " " + ctx.path()
                + "; see GET / for the page and POST /predictions/{model} for inference";
    }

    private static void json(Context ctx, int status, Object value) {
        ctx.attribute(ANSWERED, Boolean.TRUE);
        try {
            ctx.status(status).contentType("application/json").result(JSON.writeValueAsString(value));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = InferenceServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing resource " + name);
            }
            return in.readAllBytes();
        }
    }

    /** A request over a size limit: its declared bytes (no message: the limit's own words), or its pixels. */
    private static final class TooLargeException extends RuntimeException {
        TooLargeException(String message) {
            super(message);
        }
    }

    /**
     * Settings, DJL style: {@code set} the registry, {@code opt} the rest over defaults (every
     * model, 127.0.0.1:8080, batches of up to 32 images waiting at most 2 ms, a queue of 256
     * requests, 10 MB per request, a registry check every second).
     */
    public static final class Builder {
        private Path registry;
        private List<String> models = List.of();
        private String host = "127.0.0.1";
        private int port = 8080;
        private int maxBatch = 32;
        private long maxBatchDelayMicros = 2_000;
        private int queue = 256;
        private long maxRequestSize = 10L << 20;
        private long reloadMillis = 1_000;
        private long decodeBudget = Runtime.getRuntime().maxMemory() / 2;
        private long decodeWaitMillis = 2_000;

        public Builder setRegistry(Path root) {
            registry = root;
            return this;
        }

        /** {@code NAME} (follows the newest version) or {@code NAME:VERSION} (pinned); empty: every model. */
        public Builder optModels(List<String> refs) {
            models = List.copyOf(refs);
            return this;
        }

        public Builder optHost(String h) {
            host = h;
            return this;
        }

        /** 0 picks a free port; {@link #port()} says which. */
        public Builder optPort(int p) {
            if (p < 0 || p > 65535) {
                throw new ConvLabException("port must be 0 to 65535, received " + p);
            }
            port = p;
            return this;
        }

        public Builder optMaxBatch(int n) {
            if (n < 1) {
                throw new ConvLabException("max batch must be at least 1, received " + n);
            }
            maxBatch = n;
            return this;
        }

        /** How long the first request of a batch waits for more, in microseconds (0: never waits). */
        public Builder optMaxBatchDelayMicros(long micros) {
            if (micros < 0) {
                throw new ConvLabException("max batch delay must be 0 or more, received " + micros);
            }
            maxBatchDelayMicros = micros;
            return this;
        }

        /** Requests that may wait per model before the server answers 503. */
        public Builder optQueue(int n) {
            if (n < 1) {
                throw new ConvLabException("queue must hold at least 1 request, received " + n);
            }
            queue = n;
            return this;
        }

        public Builder optMaxRequestSize(long bytes) {
            if (bytes < 1) {
                throw new ConvLabException("max request size must be at least 1 byte, received " + bytes);
            }
            maxRequestSize = bytes;
            return this;
        }

        /**
         * The bytes that decoding images (and KServe tensors) may hold at once across all requests (default: half
         * the heap, where decoded pictures live); beyond it a request waits up to {@code waitMillis}, then gets 503.
         */
        public Builder optDecodeBudget(long bytes, long waitMillis) {
            if (bytes < 1 || waitMillis < 0) {
                throw new ConvLabException("the decoding budget needs at least 1 byte and a wait of 0 ms or more, received "
                        + bytes + " bytes and " + waitMillis + " ms");
            }
            decodeBudget = bytes;
            decodeWaitMillis = waitMillis;
            return this;
        }

        /** How often the registry is checked for new or removed versions. */
        public Builder optReloadMillis(long millis) {
            reloadMillis = Math.max(50, millis);
            return this;
        }

        public InferenceServer build() {
            if (registry == null) {
                throw new ConvLabException("an inference server needs a registry folder");
            }
            return new InferenceServer(this);
        }
    }
}
