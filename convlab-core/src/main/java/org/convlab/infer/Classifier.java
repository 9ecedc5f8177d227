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
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

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
 * float[] features = classifier.embed(Path.of("shoe.png"));        // the layer before the head
 * }</pre>
 *
 * <p>Embeddings ({@link #embed}) are the activations of one layer, by default the one that feeds the head: a
 * copy of the network that ends at that layer, frozen like the classifier's own, made the first time a layer is
 * asked for and kept (one per replica) until {@link #close()}.
 */
public final class Classifier implements AutoCloseable {
    private final StoredModel model;
    private final ModelCard card;
    private final Preprocessor preprocessor;
    private final Precision requested;
    private final Precision precision;
    private final int replicaCount;
    private final Replicas replicas;
    private final Map<String, Replicas> embedders = new ConcurrentHashMap<>();
    private volatile boolean closed;

    private Classifier(StoredModel model, int replicas, Precision requested) {
        this.model = model;
        this.card = model.card();
        this.preprocessor = new Preprocessor(card.preprocessing());
        this.requested = requested;
        this.precision = Precision.available(requested);
        this.replicaCount = replicas;
        this.replicas = new Replicas(replicas, () -> model.frozen(requested));
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
        return replicas.with(graph -> Prediction.ranked(graph.outputSingle(false, batch), card.labels(), top));
    }

    /** The layer {@link #embed} reads unless told otherwise: the one that feeds the head (dropout, which does nothing at inference, skipped). */
    public String embeddingLayer() {
        return Embeddings.defaultLayer(model.graph());
    }

    /** The activations of {@link #embeddingLayer()} for one image, as they are. */
    public float[] embed(Path image) {
        return embedDecoded(List.of(ImageDecoder.load(image)), null, false).get(0);
    }

    /**
     * The activations of {@code layer} (null: {@link #embeddingLayer()}) for one image, flattened (a convolution's
     * channels, then rows, then columns), divided by their L2 norm when {@code l2Normalise}.
     */
    public float[] embed(byte[] encodedImage, String layer, boolean l2Normalise) {
        return embedDecoded(List.of(ImageDecoder.decode(encodedImage)), layer, l2Normalise).get(0);
    }

    /** As {@link #embed(byte[], String, boolean)}, for a picture in memory. */
    public float[] embed(BufferedImage image, String layer, boolean l2Normalise) {
        return embedDecoded(List.of(ImageDecoder.normalise(image)), layer, l2Normalise).get(0);
    }

    /** One embedding per image, in order ({@link #embed(byte[], String, boolean)}); one forward pass for the batch. */
    public List<float[]> embedBatch(List<Path> images, String layer, boolean l2Normalise) {
        List<DecodedImage> decoded = new ArrayList<>();
        for (Path p : images) {
            decoded.add(ImageDecoder.load(p));
        }
        return embedDecoded(decoded, layer, l2Normalise);
    }

    private List<float[]> embedDecoded(List<DecodedImage> images, String layer, boolean l2Normalise) {
        return embedPrepared(preprocessor.batch(images), layer, l2Normalise);
    }

    /**
     * As {@link #embedBatch}, for a batch already prepared as the model's input ([N, C, H, W] through the card's
     * preprocessing, as an {@code ImageSource} opened {@code withPreprocessing(card.preprocessing())} delivers it).
     */
    public List<float[]> embedPrepared(INDArray batch, String layer, boolean l2Normalise) {
        String name = layer != null ? layer : embeddingLayer();
        Embeddings.requireLayer(model.graph(), name, card.name());
        Replicas upTo = embedders.computeIfAbsent(name, l -> new Replicas(replicaCount, () -> model.frozenUpTo(l, requested)));
        if (closed) {
            upTo.close(); // made by a call that raced close()
        }
        return upTo.with(graph -> Embeddings.rows(graph.outputSingle(false, batch), l2Normalise));
    }

    /** Frees the replicas' native memory (the embedding copies' too); a later call fails at once instead of waiting. */
    @Override
    public void close() {
        closed = true;
        replicas.close();
        embedders.values().forEach(Replicas::close);
    }
}
