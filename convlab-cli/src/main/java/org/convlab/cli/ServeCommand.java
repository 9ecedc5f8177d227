package org.convlab.cli;

import org.convlab.ConvLabException;
import org.convlab.serve.InferenceServer;
import picocli.CommandLine.Command;
import org.convlab.runtime.Precision;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code convlab serve}: the registry's models over HTTP until SIGTERM or Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve stored models over HTTP: predictions, KServe v2, metrics and a web page.",
                "POST /predictions/NAME[/VERSION] with an image (or multipart field 'data'), GET / for the page,"
                        + " /metrics for Prometheus, /v2/... for KServe and Triton clients. A version stored while it runs"
                        + " is served within seconds. SIGTERM or Ctrl-C: in-flight requests are answered, then it exits 0.",
                "Example: convlab serve --model fashion-cnn --port 8080"})
final class ServeCommand implements Callable<Integer> {
    @Option(names = "--model", paramLabel = "NAME[:VERSION]",
            description = "A model to serve (repeatable): NAME follows its newest version, NAME:VERSION stays pinned."
                    + " Default: every model of the registry.")
    List<String> models = List.of();

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on. Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port to listen on (0: any free one). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = "--max-batch", defaultValue = "32", converter = Counts.AtLeastOne.class,
            description = "Images per forward pass, at most. Default: ${DEFAULT-VALUE}.")
    int maxBatch;

    @Option(names = "--max-batch-delay", defaultValue = "2", paramLabel = "MS",
            description = "How long a batch waits for more requests, in milliseconds (0: never). Default: ${DEFAULT-VALUE}.")
    double maxBatchDelayMs;

    @Option(names = "--queue", defaultValue = "256", converter = Counts.AtLeastOne.class,
            description = "Requests that may wait per model; beyond that the answer is 503 at once. Default: ${DEFAULT-VALUE}.")
    int queue;

    @Option(names = "--max-request-size", defaultValue = "10MB", paramLabel = "SIZE",
            description = "Largest request body (bytes, or with KB/MB); larger ones get 413. Default: ${DEFAULT-VALUE}.")
    String maxRequestSize;

    @Mixin
    PrecisionOption precisionOption;

    @Mixin
    ConvAlgorithmOption convAlgorithmOption;

    @Mixin
    RegistryOption registryOption;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() throws InterruptedException {
        if (!(maxBatchDelayMs >= 0 && maxBatchDelayMs <= 10_000)) {
            throw new ConvLabException("--max-batch-delay must be 0 to 10000 milliseconds, received " + maxBatchDelayMs);
        }
        InferenceServer server = InferenceServer.builder().setRegistry(registryOption.open().root()).optModels(models)
                .optHost(host).optPort(port).optMaxBatch(maxBatch).optMaxBatchDelayMicros(Math.round(maxBatchDelayMs * 1000))
                .optQueue(queue).optMaxRequestSize(bytes(maxRequestSize)).build();
        server.start();
        // SIGTERM and Ctrl-C stop it gracefully and end with exit code 0, not the JVM's 143.
        for (String signal : List.of("TERM", "INT")) {
            sun.misc.Signal.handle(new sun.misc.Signal(signal), s -> new Thread(() -> {
                server.close();
                System.exit(ConvLab.EXIT_OK);
            }, "stop").start());
        }
        PrintWriter out = command.commandLine().getOut();
        out.println("serving " + server.served().entrySet().stream().map(e -> e.getKey() + ":" + e.getValue()).toList()
                + " at " + server.url() + " (" + Precision.active().label() + ")");
        out.flush();
        server.awaitStop();
        return ConvLab.EXIT_OK;
    }

    /** {@code 10MB}, {@code 512KB}, {@code 1000000}. */
    static long bytes(String text) {
        String t = text.trim().toUpperCase(Locale.ROOT);
        long unit = t.endsWith("MB") ? 1L << 20 : t.endsWith("KB") ? 1L << 10 : 1;
        String digits = unit == 1 ? t : t.substring(0, t.length() - 2).trim();
        try {
            long n = Long.parseLong(digits);
            if (n < 1) {
                throw new NumberFormatException();
            }
            return Math.multiplyExact(n, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new ConvLabException("--max-request-size '" + text + "' is not a size; use bytes, or KB or MB (for example 10MB)");
        }
    }
}
