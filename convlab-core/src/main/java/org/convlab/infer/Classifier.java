package org.convlab.infer;

import org.convlab.ConvLabException;
import org.convlab.data.Preprocessor;
import org.convlab.data.DecodedImage;
import org.convlab.data.ImageDecoder;
import org.convlab.runtime.Precision;
import org.convlab.zoo.ModelCard;
import org.convlab.zoo.ModelRegistry;
import org.convlab.zoo.StoredModel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A stored model ready to answer, safe to call from many threads at once.
 *
 * <p>DL4J networks are not thread-safe ({@code output()} from two threads corrupts results), so
 * the classifier keeps a small pool of replicas, one per core by default; a call borrows one,
 * predicts, and gives it back. Results are exactly those of sequential calls. Images go through
 * the same decoder and the {@link Preprocessor} of the preprocessing the model card records, as
 * in training, so a loaded model needs nothing else to predict correctly. Each replica is a frozen
 * copy in the classifier's own {@link Precision} ({@link StoredModel#frozen(Precision)}): in int8 over
 * the calibration stored with the model. Classifiers of one model in several precisions live side by
 * side in one process.
 *
 * <pre>{@code
 * try (Classifier classifier = Classifier.load(Path.of("models"), "fashion-cnn")) {
 *     List<Prediction> top = classifier.predict(Path.of("shoe.png"), 3);
 *     System.out.println(top.get(0).label() + " " + top.get(0).probability());
 * }
 * Classifier int8 = Classifier.builder().setRegistry(Path.of("models")).setModel("fashion-cnn:1")
 *         .optPrecision(Precision.INT8).optReplicas(2).build();
 * }</pre>
 */
public final class Classifier implements AutoCloseable {
    private final ModelCard card;
    private final Preprocessor preprocessor;
    private final Precision precision;
    private final BlockingQueue<ComputationGraph> pool;
    private volatile boolean closed;

    private Classifier(StoredModel model, int replicas, Precision requested) {
        if (replicas < 1) {
            throw new ConvLabException("a classifier needs at least one replica, received " + replicas);
        }
        this.card = model.card();
        this.preprocessor = new Preprocessor(card.preprocessing());
        this.precision = Precision.available(requested);
        this.pool = new ArrayBlockingQueue<>(replicas);
        for (int i = 0; i < replicas; i++) {
            pool.add(model.frozen(requested));
        }
    }

    /** The newest version of {@code name} (or {@code name:version}) from a registry folder, in the default precision. */
    public static Classifier load(Path registry, String ref) {
        return builder().setRegistry(registry).setModel(ref).build();
    }

    /** A model folder holding {@code model.zip} and {@code card.json}, in the default precision. */
    public static Classifier load(Path modelDir) {
        return new Classifier(ModelRegistry.loadDir(modelDir), defaultReplicas(), Precision.requested());
    }

    /** An already loaded model, with {@code replicas} copies for concurrent callers, in the default precision. */
    public static Classifier of(StoredModel model, int replicas) {
        return new Classifier(model, replicas, Precision.requested());
    }

    /** A classifier with settings of its own: {@code set*} what is required, {@code opt*} over defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Settings of one classifier; none of them touches another classifier or the process. */
    public static final class Builder {
        private Path registry;
        private String model;
        private Precision precision;
        private int replicas = defaultReplicas();

        private Builder() {
        }

        /** The registry folder ({@code models/} for the command line). */
        public Builder setRegistry(Path folder) {
            registry = folder;
            return this;
        }

        /** {@code name} (its newest version) or {@code name:version}. */
        public Builder setModel(String ref) {
            model = ref;
            return this;
        }

        /** The precision this classifier multiplies in (default: {@link Precision#requested()}); fp32 where the CPU lacks it. */
        public Builder optPrecision(Precision value) {
            precision = value;
            return this;
        }

        /** How many callers it answers at once: one frozen copy each (default: the cores, at most 4). */
        public Builder optReplicas(int count) {
            replicas = count;
            return this;
        }

        public Classifier build() {
            if (registry == null || model == null) {
                throw new ConvLabException("a classifier needs a registry (setRegistry) and a model (setModel)");
            }
            return new Classifier(ModelRegistry.at(registry).load(model), replicas,
                    precision != null ? precision : Precision.requested());
        }
    }

    private static int defaultReplicas() {
        return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    }

    public ModelCard card() {
        return card;
    }

    public List<String> labels() {
        return card.labels();
    }

    /** The precision this classifier runs in: the one asked for, or FP32 where the CPU lacks it. */
    public Precision precision() {
        return precision;
    }

    public List<Prediction> predict(Path image, int top) {
        return predictDecoded(List.of(ImageDecoder.load(image)), top).get(0);
    }

    public List<Prediction> predict(byte[] encodedImage, int top) {
        return predictDecoded(List.of(ImageDecoder.decode(encodedImage)), top).get(0);
    }

    public List<Prediction> predict(BufferedImage image, int top) {
        return predictDecoded(List.of(ImageDecoder.normalise(image)), top).get(0);
    }

    /** One ranked list per image, in order; one forward pass for the whole batch. */
    public List<List<Prediction>> predictBatch(List<Path> images, int top) {
        List<DecodedImage> decoded = new ArrayList<>();
        for (Path p : images) {
            decoded.add(ImageDecoder.load(p));
        }
        return predictDecoded(decoded, top);
    }

    private List<List<Prediction>> predictDecoded(List<DecodedImage> images, int top) {
        Prediction.requireTop(top);
        INDArray batch = preprocessor.batch(images);
        ComputationGraph graph = borrow();
        try {
            return Prediction.ranked(graph.outputSingle(false, batch), card.labels(), top);
        } finally {
            pool.add(graph);
            if (closed) {
                release(); // closed while this call ran: its replica is freed here
            }
        }
    }

    private ComputationGraph borrow() {
        try {
            // Polling, not take(): a call that waits while another thread closes the classifier must not wait forever.
            while (true) {
                if (closed) {
                    throw new IllegalStateException("this classifier is closed; load the model again");
                }
                ComputationGraph graph = pool.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
                if (graph != null) {
                    return graph;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a model replica", e);
        }
    }

    /** Frees the replicas' native memory; a later call fails at once instead of waiting. */
    @Override
    public void close() {
        closed = true;
        release();
    }

    private void release() {
        for (ComputationGraph graph = pool.poll(); graph != null; graph = pool.poll()) {
            graph.close();
        }
    }
}
