package org.convlab.infer;

import org.convlab.ConvLabException;
import org.convlab.runtime.Networks;
import org.convlab.arch.InputShape;
import org.convlab.data.ConvLabImageLoader;
import org.convlab.data.DecodedImage;
import org.convlab.data.ImageDecoder;
import org.convlab.zoo.ModelCard;
import org.convlab.zoo.ModelRegistry;
import org.convlab.zoo.StoredModel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * A stored model ready to answer, safe to call from many threads at once.
 *
 * <p>DL4J networks are not thread-safe ({@code output()} from two threads corrupts results), so
 * the classifier keeps a small pool of replicas, one per core by default; a call borrows one,
 * predicts, and gives it back. Results are exactly those of sequential calls. Images go through
 * the same decoder and resizing as in training ({@link ConvLabImageLoader}, then / 255), as the
 * model card records, so a loaded model needs nothing else to predict correctly.
 *
 * <pre>{@code
 * try (Classifier classifier = Classifier.load(Path.of("models"), "fashion-cnn")) {
 *     List<Prediction> top = classifier.predict(Path.of("shoe.png"), 3);
 *     System.out.println(top.get(0).label() + " " + top.get(0).probability());
 * }
 * }</pre>
 */
public final class Classifier implements AutoCloseable {
    private final ModelCard card;
    private final BlockingQueue<Replica> pool;

    private record Replica(ComputationGraph graph, ConvLabImageLoader loader) {
    }

    private Classifier(StoredModel model, int replicas) {
        this.card = model.card();
        InputShape in = card.input();
        this.pool = new ArrayBlockingQueue<>(replicas);
        for (int i = 0; i < replicas; i++) {
            ComputationGraph g = i == 0 ? model.graph() : Networks.copy(model.graph());
            pool.add(new Replica(g, new ConvLabImageLoader(in.height(), in.width(), in.channels())));
        }
    }

    /** The newest version of {@code name} (or {@code name:version}) from a registry folder. */
    public static Classifier load(Path registry, String ref) {
        return new Classifier(ModelRegistry.at(registry).load(ref), defaultReplicas());
    }

    /** A model folder holding {@code model.zip} and {@code card.json}. */
    public static Classifier load(Path modelDir) {
        return new Classifier(ModelRegistry.loadDir(modelDir), defaultReplicas());
    }

    /** An already loaded model, with {@code replicas} copies for concurrent callers. */
    public static Classifier of(StoredModel model, int replicas) {
        if (replicas < 1) {
            throw new ConvLabException("a classifier needs at least one replica, received " + replicas);
        }
        return new Classifier(model, replicas);
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

    /** The class probabilities for a batch already preprocessed as in training: [N, C, H, W] in 0..1. */
    public INDArray probabilities(INDArray features) {
        Replica r = borrow();
        try {
            return r.graph().outputSingle(false, features).dup();
        } finally {
            pool.add(r);
        }
    }

    private List<List<Prediction>> predictDecoded(List<DecodedImage> images, int top) {
        if (top < 1) {
            throw new ConvLabException("--top must be at least 1, received " + top);
        }
        Replica r = borrow();
        try {
            InputShape in = card.input();
            INDArray batch = Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, images.size(), in.channels(), in.height(), in.width());
            for (int i = 0; i < images.size(); i++) {
                batch.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i))
                        .assign(r.loader().asMatrix(images.get(i).image()).reshape(in.channels(), in.height(), in.width()));
            }
            batch.divi(255);
            INDArray p = r.graph().outputSingle(false, batch);
            List<List<Prediction>> out = new ArrayList<>();
            for (int i = 0; i < images.size(); i++) {
                List<Prediction> ranked = new ArrayList<>();
                for (int c = 0; c < card.labels().size(); c++) {
                    ranked.add(new Prediction(card.labels().get(c), p.getDouble(i, c)));
                }
                ranked.sort(Comparator.comparingDouble(Prediction::probability).reversed());
                out.add(List.copyOf(ranked.subList(0, Math.min(top, ranked.size()))));
            }
            return out;
        } catch (IOException e) {
            throw new ConvLabException("cannot prepare the image: " + e.getMessage());
        } finally {
            pool.add(r);
        }
    }

    private Replica borrow() {
        try {
            return pool.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a model replica", e);
        }
    }

    @Override
    public void close() {
        pool.clear();
    }
}
