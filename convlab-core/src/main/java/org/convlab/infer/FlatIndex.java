package org.convlab.infer;

import org.convlab.ConvLabException;
import org.convlab.data.ClassFolderSource;
import org.convlab.data.ImageSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * Nearest neighbours by cosine similarity over embeddings held in memory: every query is compared with every
 * image (exact; one matrix product per batch of queries). A few hundred thousand images answer in milliseconds
 * and take N x dimensions x 4 bytes; beyond a million, an approximate index (HNSW graphs, as hnswlib, Lucene or
 * FAISS build them) answers in logarithmic time at a small loss of recall.
 *
 * <pre>{@code
 * FlatIndex index = FlatIndex.build(classifier, DataSources.open(DataSource.parse("/data/shoes"), null).train(), null, 64);
 * List<FlatIndex.Hit> top = index.nearest(classifier.embed(Path.of("query.png")), 5);
 * }</pre>
 */
public final class FlatIndex {
    /** One neighbour: its position in the index, its name (a file, or the data and position), its class and similarity. */
    public record Hit(int item, String name, String label, double similarity) {
    }

    private final INDArray vectors;
    private final List<String> names;
    private final List<String> labels;

    private FlatIndex(INDArray vectors, List<String> names, List<String> labels) {
        this.vectors = vectors;
        this.names = names;
        this.labels = labels;
    }

    /**
     * Embeds every image of {@code source} ({@code layer}: null for the layer that feeds the head), {@code batch}
     * at a time. The source is prepared as the classifier's model was; its images must have the model's input size.
     */
    public static FlatIndex build(Classifier classifier, ImageSource source, String layer, int batch) {
        ImageSource prepared = prepared(classifier, source);
        List<float[]> rows = new ArrayList<>();
        List<String> labels = new ArrayList<>();
        forEachBatch(prepared, batch, (features, classes) -> {
            rows.addAll(classifier.embedPrepared(features, layer, true));
            labels.addAll(classes);
        });
        List<String> names = new ArrayList<>();
        for (int i = 0; i < rows.size(); i++) {
            names.add(prepared instanceof ClassFolderSource folder ? folder.files().get(i).path().toString()
                    : source.description() + " #" + i);
        }
        return new FlatIndex(matrix(rows), List.copyOf(names), List.copyOf(labels));
    }

    public int size() {
        return names.size();
    }

    public int dimensions() {
        return (int) vectors.size(1);
    }

    /** The {@code k} images most like {@code embedding} (any length; it is normalised here), most similar first. */
    public List<Hit> nearest(float[] embedding, int k) {
        if (embedding.length != dimensions()) {
            throw new ConvLabException("the query has " + embedding.length + " values but the index holds embeddings of "
                    + dimensions() + "; embed it from the same model and layer");
        }
        INDArray query = Nd4j.createFromArray(Embeddings.rows(Nd4j.createFromArray(new float[][] {embedding}), true).get(0));
        float[] similarity = vectors.mmul(query.reshape(-1, 1)).toFloatVector();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < similarity.length; i++) {
            order.add(i);
        }
        order.sort((a, b) -> Float.compare(similarity[b], similarity[a]));
        List<Hit> hits = new ArrayList<>();
        for (int i : order.subList(0, Math.min(k, order.size()))) {
            hits.add(new Hit(i, names.get(i), labels.get(i), similarity[i]));
        }
        return hits;
    }

    /**
     * The share of {@code queries} whose nearest image in the index has the query's class (labels compared by name):
     * how well the embedding alone sorts images, beside the classifier's own accuracy.
     */
    public double topOneAccuracy(Classifier classifier, ImageSource queries, String layer, int batch) {
        int[] right = {0};
        int[] seen = {0};
        forEachBatch(prepared(classifier, queries), batch, (features, classes) -> {
            long[] nearest = matrix(classifier.embedPrepared(features, layer, true)).mmul(vectors.transpose()).argMax(1).toLongVector();
            for (int i = 0; i < nearest.length; i++) {
                right[0] += labels.get((int) nearest[i]).equals(classes.get(i)) ? 1 : 0;
            }
            seen[0] += nearest.length;
        });
        return seen[0] == 0 ? Double.NaN : right[0] / (double) seen[0];
    }

    /** Rows of equal length as one [N, D] array. */
    private static INDArray matrix(List<float[]> rows) {
        return rows.isEmpty() ? Nd4j.create(DataType.FLOAT, 0, 0) : Nd4j.createFromArray(rows.toArray(float[][]::new));
    }

    private static ImageSource prepared(Classifier classifier, ImageSource source) {
        if (!source.shape().equals(classifier.card().input())) {
            throw new ConvLabException(source.description() + " holds " + source.shape() + " images but "
                    + classifier.card().name() + " takes " + classifier.card().input());
        }
        return source.withPreprocessing(classifier.card().preprocessing());
    }

    private interface BatchConsumer {
        void accept(INDArray features, List<String> classes);
    }

    private static void forEachBatch(ImageSource source, int batch, BatchConsumer consumer) {
        DataSetIterator it = source.iterator(batch, false, 0);
        while (it.hasNext()) {
            DataSet ds = it.next();
            long[] classIndex = ds.getLabels().argMax(1).toLongVector();
            List<String> classes = new ArrayList<>();
            for (long c : classIndex) {
                classes.add(source.labels().get((int) c));
            }
            consumer.accept(ds.getFeatures(), classes);
        }
    }
}
