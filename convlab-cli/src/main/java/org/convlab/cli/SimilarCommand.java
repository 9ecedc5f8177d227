package org.convlab.cli;

import org.convlab.ConvLabException;
import org.convlab.data.DataSources;
import org.convlab.data.ImageSource;
import org.convlab.infer.Classifier;
import org.convlab.infer.FlatIndex;
import org.convlab.train.EvaluationReport;
import org.convlab.train.Evaluator;
import org.convlab.zoo.StoredModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code convlab similar}: nearest images by embedding, over a flat in-memory index. */
@Command(name = "similar", mixinStandardHelpOptions = true,
        description = {"Find the images most like a query by a stored model's embeddings (cosine similarity, every image"
                + " compared: exact, fine to a few hundred thousand images; beyond a million, use an approximate index such as"
                + " HNSW in hnswlib, Lucene or FAISS).",
                "Example: convlab similar --model fashion-cnn --index /data/shoes --query shoe.png --top 5",
                "         convlab similar --model fashion-cnn --index fashion-mnist --evaluate"})
final class SimilarCommand implements Callable<Integer> {
    @Mixin
    PrecisionOption precisionOption;

    @Mixin
    StoredModelOption modelOption;

    @Option(names = "--index", required = true, paramLabel = "SRC",
            description = "The images to search: class folders, fashion-mnist (its training images), an IDX folder, with filters.")
    String index;

    @Option(names = "--query", paramLabel = "IMG", arity = "1..*", description = "Images to find neighbours of.")
    List<Path> queries;

    @Option(names = "--evaluate", description = "Instead of queries: the index's test images each find their nearest"
            + " training image; prints how often it has the query's class, beside the classifier's own accuracy.")
    boolean evaluate;

    @Option(names = "--top", converter = Counts.AtLeastOne.class, defaultValue = "5", description = "Neighbours per query. Default: ${DEFAULT-VALUE}.")
    int top;

    @Option(names = "--layer", paramLabel = "NAME", description = "The layer to embed from (default: the one that feeds the head).")
    String layer;

    @Option(names = "--batch", converter = Counts.AtLeastOne.class, defaultValue = "64", description = "Default: ${DEFAULT-VALUE}.")
    int batch;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() {
        if (evaluate == (queries != null)) {
            throw new ConvLabException("give --query IMG... to search, or --evaluate to measure the index's test images; one of the two");
        }
        StoredModel stored = modelOption.load();
        DataSources.Bundle data = DataSources.openForSearch(DataArgument.ready(index), stored.card().input());
        if (evaluate && data.test() == null) {
            throw new ConvLabException(index + " has no test images for --evaluate (fashion-mnist and folders with Training/ and"
                    + " Test/ have); use --query IMG instead");
        }
        PrintWriter out = command.commandLine().getOut();
        try (Classifier classifier = Classifier.of(stored, 1)) {
            // The queries first: an unreadable one is refused before the index is built or anything printed.
            List<float[]> vectors = evaluate ? List.of() : classifier.embedBatch(queries, layer, true);
            long start = System.nanoTime();
            FlatIndex flat = FlatIndex.build(classifier, data.train(), layer, batch);
            String what = String.format(Locale.US, "%s, layer %s (%d values), %,d images of %s, indexed in %.1f s", stored.ref(),
                    layer != null ? layer : classifier.embeddingLayer(), flat.dimensions(), flat.size(), data.train().description(),
                    (System.nanoTime() - start) / 1e9);
            if (evaluate) {
                evaluate(out, classifier, stored, flat, data.test(), what);
            } else {
                out.println(what);
                for (int q = 0; q < queries.size(); q++) {
                    out.println(queries.get(q) + ":");
                    for (FlatIndex.Hit h : flat.nearest(vectors.get(q), top)) {
                        out.printf(Locale.US, "  %.4f  %s  (%s)%n", h.similarity(), h.name(), h.label());
                    }
                }
            }
        }
        out.flush();
        return ConvLab.EXIT_OK;
    }

    private void evaluate(PrintWriter out, Classifier classifier, StoredModel stored, FlatIndex flat, ImageSource test, String what) {
        double nearest = flat.topOneAccuracy(classifier, test, layer, batch);
        out.println(what);
        out.printf(Locale.US, "nearest-neighbour top-1 accuracy %.4f on %,d test images (%s)%n", nearest, test.size(), test.description());
        if (stored.card().labels().containsAll(test.labels())) {
            EvaluationReport own = Evaluator.evaluate(stored.frozen(), DataArgument.forModel(index, test, stored),
                    stored.card().labels(), batch);
            out.printf(Locale.US, "classifier's own accuracy %.4f on the same images%n", own.accuracy());
        }
    }
}
