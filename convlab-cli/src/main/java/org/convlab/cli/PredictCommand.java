package org.convlab.cli;

import org.convlab.infer.Classifier;
import org.convlab.infer.Prediction;
import org.convlab.zoo.StoredModel;
import picocli.CommandLine.Command;
import org.convlab.runtime.Precision;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code convlab predict}: top-k labels for images of any size or format. */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Classify images with a stored model; each image is brought to the model's input exactly as in training.",
                "Example: convlab predict --model fashion-cnn shoe.png shirt.jpg --top 3"})
final class PredictCommand implements Callable<Integer> {
    @Mixin
    PrecisionOption precisionOption;

    @Mixin
    ConvAlgorithmOption convAlgorithmOption;

    @Mixin
    StoredModelOption modelOption;

    @Parameters(paramLabel = "IMG", arity = "1..*", description = "Images to classify.")
    List<Path> images;

    @Option(names = "--top", converter = Counts.AtLeastOne.class, defaultValue = "5", description = "How many labels per image. Default: ${DEFAULT-VALUE}.")
    int top;

    @Option(names = "--json", description = "Print the predictions as JSON.")
    boolean json;

    @Option(names = "--embedding", description = "Print each image's embedding instead (JSON): the activations of the layer"
            + " that feeds the head, or of --layer.")
    boolean embedding;

    @Option(names = "--layer", paramLabel = "NAME", description = "With --embedding: the layer to read (names: convlab models show MODEL).")
    String layer;

    @Option(names = "--l2", description = "With --embedding: divide each embedding by its L2 norm (unit length, for cosine similarity).")
    boolean l2;

    @Spec
    CommandSpec command;

    @Override
    public Integer call() {
        if (!embedding && (layer != null || l2)) {
            throw new org.convlab.ConvLabException((layer != null ? "--layer" : "--l2") + " shapes an embedding; add --embedding");
        }
        StoredModel stored = modelOption.load();
        try (Classifier classifier = Classifier.of(stored, 1)) {
            if (embedding) {
                printEmbeddings(classifier, stored);
                return ConvLab.EXIT_OK;
            }
            List<List<Prediction>> results = classifier.predictBatch(images, top);
            PrintWriter out = command.commandLine().getOut();
            if (json) {
                Map<String, Object> doc = new LinkedHashMap<>();
                doc.put("model", stored.ref());
                doc.put("precision", Precision.active().label());
                Map<String, List<Prediction>> byImage = new LinkedHashMap<>();
                for (int i = 0; i < images.size(); i++) {
                    byImage.put(images.get(i).toString(), results.get(i));
                }
                doc.put("predictions", byImage);
                out.print(Json.write(doc));
            } else {
                for (int i = 0; i < images.size(); i++) {
                    out.println(images.get(i) + ":");
                    for (Prediction p : results.get(i)) {
                        out.printf(Locale.US, "  %-24s %.4f%n", p.label(), p.probability());
                    }
                }
            }
            out.flush();
        }
        return ConvLab.EXIT_OK;
    }

    private void printEmbeddings(Classifier classifier, StoredModel stored) {
        List<float[]> vectors = classifier.embedBatch(images, layer, l2);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("model", stored.ref());
        doc.put("layer", layer != null ? layer : classifier.embeddingLayer());
        doc.put("l2_normalised", l2);
        doc.put("size", vectors.get(0).length);
        Map<String, float[]> byImage = new LinkedHashMap<>();
        for (int i = 0; i < images.size(); i++) {
            byImage.put(images.get(i).toString(), vectors.get(i));
        }
        doc.put("embeddings", byImage);
        PrintWriter out = command.commandLine().getOut();
        out.print(Json.write(doc));
        out.flush();
    }
}
